//! Materials vocabulary and the matcher the materials and recycled rules share.
//!
//! Three classes of names, because they differ in how much context they need
//! before they can be trusted:
//! - words ("phosphor bronze", "copper", "磷青铜"): case-insensitive;
//! - abbreviations ("PBT", "LCP", "FR4", "SUS304"): case-sensitive, and only
//!   where a material is expected (a labelled value, a declaration, a table
//!   cell), never in prose, where "PC" is a computer;
//! - element symbols ("Cu", "Sn"): case-sensitive, only in labelled values and
//!   declarations.
//!
//! Public: [`canonical`] and [`mentions`], so callers can check a quote
//! against a canonical name. The matcher itself is crate-internal.
//!
//! Substances that are on documents because they are restricted (lead,
//! mercury, cadmium, hexavalent chromium, PBB, PBDE) are deliberately absent:
//! they appear in compliance statements far more often than in parts.

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::country::is_cjk;
use crate::util::{lazy_re, next_char, prev_char};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    Word,
    Abbr,
    Symbol,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Hit {
    pub start: usize,
    pub end: usize,
    pub canon: &'static str,
    pub class: Class,
}

/// Canonical name → word aliases (lower case; spaces and hyphens in an alias
/// match any run of spaces/hyphens, including none, since flattened PDF text
/// glues words: "PhosphorBronze").
static WORDS: &[(&str, &[&str])] = &[
    (
        "phosphor bronze",
        &[
            "phosphor bronze",
            "phosphorus bronze",
            "phos bronze",
            "磷青铜",
        ],
    ),
    (
        "beryllium copper",
        &["beryllium copper", "copper beryllium", "铍铜"],
    ),
    ("copper alloy", &["copper alloy", "cu alloy", "铜合金"]),
    ("brass", &["brass", "黄铜", "messing", "ottone", "laiton"]),
    ("bronze", &["bronze", "青铜"]),
    ("copper oxide", &["copper oxide", "cupric oxide"]),
    (
        "copper",
        &[
            "copper",
            "bare copper",
            "annealed copper",
            "铜",
            "kupfer",
            "rame",
            "cuivre",
            "cobre",
        ],
    ),
    (
        "nickel silver",
        &["nickel silver", "german silver", "nickel brass"],
    ),
    ("tin", &["tin", "matte tin", "锡"]),
    (
        "solder",
        &[
            "solder",
            "solder alloy",
            "solder paste",
            "lead free solder",
            "high melting point solder",
            "high temp solder",
            "high temperature solder",
        ],
    ),
    ("silver paste", &["silver paste"]),
    ("silver", &["silver", "银"]),
    ("gold alloy", &["gold alloy", "au alloy"]),
    ("gold", &["gold", "金", "镀金"]),
    ("nickel oxide", &["nickel oxide"]),
    ("nickel", &["nickel", "镍"]),
    ("palladium", &["palladium", "钯"]),
    ("platinum", &["platinum"]),
    (
        "aluminium alloy",
        &["aluminium alloy", "aluminum alloy", "铝合金"],
    ),
    ("alumina", &["alumina", "aluminium oxide", "aluminum oxide"]),
    (
        "aluminium",
        &["aluminium", "aluminum", "铝", "alluminio", "aluminio"],
    ),
    (
        "stainless steel",
        &[
            "stainless steel",
            "stainless",
            "不锈钢",
            "edelstahl",
            "acciaio inossidabile",
            "acciaio inox",
            "acier inoxydable",
            "acero inoxidable",
        ],
    ),
    (
        "steel",
        &[
            "steel",
            "carbon steel",
            "spring steel",
            "cold rolled steel",
            "钢",
            "stahl",
            "acciaio",
            "acier",
            "acero",
        ],
    ),
    ("iron oxide", &["iron oxide", "ferric oxide"]),
    ("iron", &["iron", "铁"]),
    ("zinc oxide", &["zinc oxide"]),
    ("zinc alloy", &["zinc alloy", "锌合金"]),
    ("zinc", &["zinc", "锌"]),
    ("titanium dioxide", &["titanium dioxide", "titanium oxide"]),
    ("titanium", &["titanium"]),
    ("tungsten", &["tungsten"]),
    ("tantalum nitride", &["tantalum nitride"]),
    ("tantalum", &["tantalum"]),
    ("cobalt", &["cobalt"]),
    ("chromium", &["chromium", "chrome"]),
    ("manganese dioxide", &["manganese dioxide"]),
    ("manganese", &["manganese"]),
    ("magnesium alloy", &["magnesium alloy"]),
    ("magnesium", &["magnesium"]),
    ("bismuth trioxide", &["bismuth trioxide", "bismuth oxide"]),
    ("bismuth", &["bismuth"]),
    (
        "antimony trioxide",
        &["antimony trioxide", "antimony oxide"],
    ),
    (
        "lithium cobalt oxide",
        &[
            "lithium cobalt oxide",
            "lithium cobalt dioxide",
            "lithium cobaltate",
        ],
    ),
    ("lithium iron phosphate", &["lithium iron phosphate"]),
    ("lithium iron disulfide", &["lithium iron disulfide"]),
    ("lithium", &["lithium"]),
    ("alloy 42", &["alloy 42", "42 alloy"]),
    ("kovar", &["kovar"]),
    ("graphite", &["graphite", "石墨"]),
    ("carbon black", &["carbon black"]),
    ("carbon fibre", &["carbon fiber", "carbon fibre"]),
    ("silicon carbide", &["silicon carbide"]),
    // compound semiconductors of light emitters and detectors
    (
        "algaas",
        &[
            "gaalas",
            "gaaℓas",
            "algaas",
            "aluminium gallium arsenide",
            "aluminum gallium arsenide",
        ],
    ),
    ("gaas", &["gallium arsenide"]),
    (
        "gan",
        &["gallium nitride", "ingan", "indium gallium nitride"],
    ),
    (
        "algainp",
        &["algainp", "aluminium gallium indium phosphide"],
    ),
    (
        "silica",
        &[
            "silica",
            "silicon dioxide",
            "fused silica",
            "silica fused",
            "vitreous silica",
            "silica vitreous",
        ],
    ),
    ("silicone", &["silicone", "silicone rubber", "硅胶"]),
    ("silicon", &["silicon", "硅"]),
    ("ferrite", &["ferrite", "铁氧体"]),
    ("ceramic", &["ceramic", "陶瓷"]),
    (
        "glass fibre",
        &[
            "glass fiber",
            "glass fibre",
            "fiberglass",
            "fibreglass",
            "fiber glass",
            "continuous filament fiber glass",
            "玻纤",
            "玻璃纤维",
        ],
    ),
    (
        "glass",
        &["glass", "玻璃", "glas", "vetro", "verre", "vidrio"],
    ),
    ("fr-4", &["fr-4", "fr4"]),
    (
        "molding compound",
        &[
            "molding compound",
            "moulding compound",
            "mold compound",
            "mould compound",
        ],
    ),
    (
        "conductive epoxy",
        &["conductive epoxy", "conductive adhesive", "silver epoxy"],
    ),
    (
        "die attach",
        &[
            "die attach",
            "die attach adhesive",
            "die attach material",
            "die bond adhesive",
        ],
    ),
    ("adhesive", &["adhesive", "glue"]),
    (
        "ink",
        &[
            "conductive ink",
            "conductor ink",
            "termination ink",
            "resistor ink",
            "resistive ink",
        ],
    ),
    ("glaze", &["glaze", "glass glaze", "overglaze"]),
    (
        "epoxy resin",
        &[
            "epoxy resin",
            "epoxy",
            "epoxy molding compound",
            "epoxy moulding compound",
            "bisphenol a epoxy resin",
            "modified epoxy resin",
            "环氧树脂",
        ],
    ),
    (
        "phenolic resin",
        &[
            "phenolic resin",
            "phenol resin",
            "phenolic",
            "phenol novolac",
            "phenolformaldehyde polymer",
        ],
    ),
    ("polyester", &["polyester", "polyester resin"]),
    ("pc", &["polycarbonate", "聚碳酸酯"]),
    ("pbt", &["polybutylene terephthalate"]),
    ("pet", &["polyethylene terephthalate"]),
    (
        "pa66",
        &["nylon 66", "nylon 6/6", "nylon 6.6", "polyamide 66"],
    ),
    ("pa46", &["nylon 46", "polyamide 46"]),
    ("pa6", &["nylon 6", "polyamide 6"]),
    (
        "polyamide",
        &[
            "polyamide",
            "nylon",
            "尼龙",
            "polyamid",
            "poliammide",
            "poliamida",
        ],
    ),
    ("lcp", &["liquid crystal polymer", "液晶聚合物"]),
    ("pps", &["polyphenylene sulfide", "polyphenylene sulphide"]),
    ("abs", &["acrylonitrile butadiene styrene"]),
    (
        "pvc",
        &[
            "polyvinyl chloride",
            "polyvinylchloride",
            "poly (vinyl chloride)",
            "vinyl",
            "聚氯乙烯",
        ],
    ),
    ("eva", &["ethylene vinyl acetate", "ethylene-vinyl acetate"]),
    ("vinyl ester", &["vinyl ester", "vinyl ester resin"]),
    ("pe", &["polyethylene", "polythene", "聚乙烯"]),
    ("pp", &["polypropylene", "聚丙烯"]),
    ("pom", &["polyoxymethylene", "acetal"]),
    ("pmma", &["polymethyl methacrylate"]),
    ("ptfe", &["polytetrafluoroethylene", "teflon"]),
    ("pi", &["polyimide", "kapton"]),
    ("ps", &["polystyrene"]),
    ("pu", &["polyurethane"]),
    ("tpe", &["thermoplastic elastomer"]),
    ("tpu", &["thermoplastic polyurethane"]),
    ("peek", &["polyether ether ketone", "polyetheretherketone"]),
    ("epdm", &["ethylene propylene diene"]),
    ("rubber", &["rubber", "橡胶"]),
    (
        "thermoplastic",
        &["thermoplastic", "thermoplastics", "thermoplastic resin"],
    ),
    (
        "plastic",
        &[
            "plastic",
            "molded plastic",
            "moulded plastic",
            "塑料",
            "kunststoff",
            "plastica",
            "plastique",
            "塑胶",
        ],
    ),
    ("paper", &["paper", "纸"]),
    (
        "cardboard",
        &[
            "cardboard",
            "paperboard",
            "fiberboard",
            "fibreboard",
            "chipboard",
        ],
    ),
    ("wood", &["wood", "holz", "legno", "bois", "madera"]),
    (
        "cotton",
        &["cotton", "baumwolle", "cotone", "coton", "algodón"],
    ),
    ("cork", &["cork"]),
    ("linoleum", &["linoleum"]),
    ("jute", &["jute"]),
    (
        "cellulose",
        &["cellulose", "cellulose fibre", "cellulose fiber"],
    ),
    // building products, as their environmental declarations list them
    // (with the Italian, German, French and Spanish names their tables use)
    ("gypsum", &["gypsum", "gesso", "gips", "gypse", "yeso"]),
    ("board liner", &["board liner", "boardliner"]),
    (
        "cement",
        &["cement", "portland cement", "cemento", "zement", "ciment"],
    ),
    (
        "concrete",
        &[
            "concrete",
            "reinforced concrete",
            "calcestruzzo",
            "beton",
            "béton",
            "hormigón",
        ],
    ),
    ("sand", &["sand", "quartz sand", "silica sand", "sabbia"]),
    (
        "gravel",
        &[
            "gravel",
            "crushed stone",
            "ghiaia",
            "kies",
            "gravier",
            "grava",
        ],
    ),
    (
        "aggregate",
        &[
            "aggregates",
            "concrete aggregate",
            "aggregati",
            "graniglia",
            "pietrisco",
            "granulats",
            "áridos",
            "gesteinskörnung",
        ],
    ),
    ("limestone", &["limestone"]),
    (
        "mineral wool",
        &["mineral wool", "stone wool", "rock wool", "rockwool"],
    ),
    ("glass wool", &["glass wool", "glasswool"]),
    ("bitumen", &["bitumen", "bituminous"]),
    ("clay", &["clay", "fired clay"]),
    ("wool", &["wool"]),
    ("kaolin", &["kaolin", "china clay"]),
    ("silver tin oxide", &["silver tin oxide"]),
    ("silver nickel", &["silver nickel"]),
    ("feldspar", &["feldspar"]),
    ("quartz", &["quartz"]),
    ("chalk", &["chalk"]),
    ("dolomite", &["dolomite"]),
    ("chamotte", &["chamotte"]),
    ("fireclay", &["fireclay", "fire clay"]),
    ("vitreous china", &["vitreous china"]),
    (
        "borosilicate glass",
        &["borosilicate glass", "borosilicate"],
    ),
    ("vanadium oxide", &["vanadium oxide"]),
    (
        "hdpe",
        &["high-density polyethylene", "high density polyethylene"],
    ),
    (
        "ldpe",
        &["low-density polyethylene", "low density polyethylene"],
    ),
    (
        "sbr",
        &["styrene-butadiene rubber", "styrene butadiene rubber"],
    ),
    (
        "aluminium trihydrate",
        &[
            "aluminium trihydrate",
            "aluminum trihydrate",
            "alumina trihydrate",
        ],
    ),
    ("nonwoven", &["nonwoven", "non-woven"]),
    ("fabric", &["fabric", "textile"]),
    ("leather", &["leather"]),
];

/// Case-sensitive abbreviations and formulas.
static ABBRS: &[(&str, &str)] = &[
    ("PBT", "pbt"),
    ("P.B.T.", "pbt"),
    ("AgSnO2", "silver tin oxide"),
    ("AgNi", "silver nickel"),
    ("PA46", "pa46"),
    ("PA66", "pa66"),
    ("PA6T", "pa6t"),
    ("PA9T", "pa9t"),
    ("PA10T", "pa10t"),
    ("PA6", "pa6"),
    ("PA", "polyamide"),
    ("LCP", "lcp"),
    ("PPS", "pps"),
    ("PC/ABS", "pc/abs"),
    ("PC+ABS", "pc/abs"),
    ("PC-ABS", "pc/abs"),
    ("PC", "pc"),
    ("ABS", "abs"),
    ("HIPS", "hips"),
    ("PS-HI", "hips"),
    ("HDPE", "hdpe"),
    ("LDPE", "ldpe"),
    ("SBR", "sbr"),
    ("ATH", "aluminium trihydrate"),
    ("VOx", "vanadium oxide"),
    ("PET", "pet"),
    ("PVC", "pvc"),
    ("PE", "pe"),
    ("PP", "pp"),
    ("POM", "pom"),
    ("PMMA", "pmma"),
    ("PTFE", "ptfe"),
    ("PEEK", "peek"),
    ("PEI", "pei"),
    ("PPA", "ppa"),
    ("TPE", "tpe"),
    ("TPU", "tpu"),
    ("EPDM", "epdm"),
    ("BeCu", "beryllium copper"),
    ("LiCoO2", "lithium cobalt oxide"),
    ("LiFePO4", "lithium iron phosphate"),
    ("SiO2", "silica"),
    ("Al2O3", "alumina"),
    ("Fe2O3", "iron oxide"),
    ("NiO", "nickel oxide"),
    ("ZnO", "zinc oxide"),
    ("CuO", "copper oxide"),
    ("Sb2O3", "antimony trioxide"),
    ("MnO2", "manganese dioxide"),
    ("SPCC", "steel"),
    ("SECC", "steel"),
    ("SGCC", "steel"),
];

/// Element symbols; "Co" (company) and "W" (watt) are left out on purpose.
static SYMBOLS: &[(&str, &str)] = &[
    ("Cu", "copper"),
    ("Sn", "tin"),
    ("Ag", "silver"),
    ("Au", "gold"),
    ("Ni", "nickel"),
    ("Pd", "palladium"),
    ("Pt", "platinum"),
    ("Al", "aluminium"),
    ("Fe", "iron"),
    ("Zn", "zinc"),
    ("Cr", "chromium"),
    ("Ti", "titanium"),
    ("Si", "silicon"),
    ("Mn", "manganese"),
    ("Mg", "magnesium"),
    ("Bi", "bismuth"),
];

/// Whether `s` is one of the element symbols the vocabulary knows ("Cu").
pub(crate) fn is_symbol(s: &str) -> bool {
    SYMBOLS.iter().any(|(a, _)| *a == s)
}

/// The key an alias and a matched text share: lower case without spaces,
/// hyphens and a plural ending.
fn key(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '‐' | '‑' | '–'))
        .flat_map(char::to_lowercase)
        .collect()
}

fn alias_pattern(alias: &str) -> String {
    let mut out = String::new();
    for (i, part) in alias.split([' ', '-']).enumerate() {
        if i > 0 {
            out.push_str(r"[\s\-‐‑–]*");
        }
        out.push_str(&regex::escape(part));
    }
    out
}

struct Vocab {
    words: HashMap<String, &'static str>,
    abbrs: HashMap<&'static str, &'static str>,
}

static VOCAB: LazyLock<Vocab> = LazyLock::new(|| {
    let mut words = HashMap::new();
    for &(canon, aliases) in WORDS {
        for a in aliases {
            words.insert(key(a), canon);
        }
    }
    let mut abbrs = HashMap::new();
    for &(a, canon) in ABBRS.iter().chain(SYMBOLS) {
        abbrs.insert(a, canon);
    }
    Vocab { words, abbrs }
});

fn sorted_longest_first(mut v: Vec<&str>) -> Vec<&str> {
    v.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then(a.cmp(b)));
    v
}

static WORD_RE: LazyLock<Option<regex::Regex>> = LazyLock::new(|| {
    let aliases: Vec<&str> = WORDS.iter().flat_map(|(_, a)| a.iter().copied()).collect();
    let alts: Vec<String> = sorted_longest_first(aliases)
        .into_iter()
        .map(alias_pattern)
        .collect();
    regex::Regex::new(&format!(r"(?i)(?P<a>{})(?P<pl>e?s)?", alts.join("|"))).ok()
});

static ABBR_RE: LazyLock<Option<regex::Regex>> = LazyLock::new(|| {
    let alts: Vec<String> = sorted_longest_first(ABBRS.iter().map(|(a, _)| *a).collect())
        .into_iter()
        .map(regex::escape)
        .collect();
    regex::Regex::new(&format!("(?:{})", alts.join("|"))).ok()
});

static SYMBOL_RE: LazyLock<Option<regex::Regex>> = LazyLock::new(|| {
    let alts: Vec<String> = SYMBOLS.iter().map(|(a, _)| regex::escape(a)).collect();
    regex::Regex::new(&format!("(?:{})", alts.join("|"))).ok()
});

// Stainless grades are a family, not a list.
lazy_re!(
    SUS_RE,
    r"(?-u:\b)(?:SUS|SS|AISI)[ ]?(?:2|3|4)\d\d(?:L|J1)?(?-u:\b)"
);

/// All vocabulary hits in `text`, non-overlapping, leftmost-longest. Abbreviations
/// and symbols only when asked for.
pub(crate) fn scan(text: &str, abbrs: bool, symbols: bool) -> Vec<Hit> {
    let mut hits = Vec::new();
    if let Some(re) = WORD_RE.as_ref() {
        for c in re.captures_iter(text) {
            let (Some(all), Some(a)) = (c.get(0), c.name("a")) else {
                continue;
            };
            let Some(&canon) = VOCAB.words.get(&key(a.as_str())) else {
                continue;
            };
            // plural only for Latin words ("resins", "ceramics"), never "tins" of "tinsel"
            let end = if a.as_str().chars().any(is_cjk) {
                a.end()
            } else {
                all.end()
            };
            if word_boundaries_ok(text, a.start(), end, a.as_str())
                && !(canon == "solder" && solder_names_a_place(text, end))
            {
                hits.push(Hit {
                    start: a.start(),
                    end,
                    canon,
                    class: Class::Word,
                });
            }
        }
    }
    if abbrs {
        if let Some(re) = ABBR_RE.as_ref() {
            for m in re.find_iter(text) {
                let Some(&canon) = VOCAB.abbrs.get(m.as_str()) else {
                    continue;
                };
                if code_boundaries_ok(text, m.start(), m.end())
                    && !pc_board(text, m.as_str(), m.end())
                {
                    hits.push(Hit {
                        start: m.start(),
                        end: m.end(),
                        canon,
                        class: Class::Abbr,
                    });
                }
            }
        }
        if let Some(re) = SUS_RE.as_ref() {
            for m in re.find_iter(text) {
                hits.push(Hit {
                    start: m.start(),
                    end: m.end(),
                    canon: "stainless steel",
                    class: Class::Abbr,
                });
            }
        }
    }
    if symbols && let Some(re) = SYMBOL_RE.as_ref() {
        for m in re.find_iter(text) {
            let Some(&canon) = VOCAB.abbrs.get(m.as_str()) else {
                continue;
            };
            if code_boundaries_ok(text, m.start(), m.end()) {
                hits.push(Hit {
                    start: m.start(),
                    end: m.end(),
                    canon,
                    class: Class::Symbol,
                });
            }
        }
    }
    // leftmost, then longest; drop anything overlapping a kept hit
    hits.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut out: Vec<Hit> = Vec::with_capacity(hits.len());
    for h in hits {
        if out.last().is_some_and(|l| h.start < l.end) {
            continue;
        }
        out.push(h);
    }
    out
}

lazy_re!(
    SOLDER_PLACE,
    r"(?i)^[ \t]*(?:area|tail|pad|joint|side|point|leg|terminal|lug|cup|pin|land|temperature|heat|bath|iron|dip|resistance|profile|reflow|condition)s?(?-u:\b)"
);

/// "solder area", "solder tails", "solder heat resistance": where or how a
/// part is soldered, not a material it contains.
fn solder_names_a_place(text: &str, end: usize) -> bool {
    text.get(end..)
        .is_some_and(|t| SOLDER_PLACE.as_ref().is_some_and(|re| re.is_match(t)))
}

/// "PC board", "PCB" and "PC/board" are circuit boards, not polycarbonate.
fn pc_board(text: &str, abbr: &str, end: usize) -> bool {
    abbr == "PC"
        && text
            .get(end..)
            .map(|t| t.trim_start_matches([' ', '-', '/']).to_ascii_lowercase())
            .is_some_and(|t| t.starts_with("board") || t.starts_with("boards"))
}

/// Latin words need a non-letter either side, except across the lower→upper
/// seams that flattened tables leave ("compoundsCopper"). A single CJK
/// character stands for a material only on its own or after 镀 ("plated"):
/// 金 inside 合金 (alloy) or 金属 (metal) is not gold.
fn word_boundaries_ok(text: &str, start: usize, end: usize, matched: &str) -> bool {
    let prev = prev_char(text, start);
    let next = next_char(text, end);
    let mut chars = matched.chars();
    let first = chars.next();
    let last = matched.chars().next_back();
    if first.is_some_and(is_cjk) {
        if matched.chars().count() == 1 {
            let prev_ok = prev.is_none_or(|p| !is_cjk(p) || p == '镀');
            let next_ok = next.is_none_or(|n| !is_cjk(n));
            return prev_ok && next_ok;
        }
        return true;
    }
    let prev_ok = match prev {
        None => true,
        Some(p) if !crate::util::is_word_char(p) => true,
        Some(p) => p.is_lowercase() && first.is_some_and(char::is_uppercase),
    };
    let next_ok = match next {
        None => true,
        Some(n) if !n.is_alphabetic() => true,
        Some(n) => n.is_uppercase() && last.is_some_and(char::is_lowercase),
    };
    prev_ok && next_ok
}

/// Codes and symbols: no letter or digit glued on, except the seams of glued
/// table cells ("CuPdAu", "MainbodyLCP").
fn code_boundaries_ok(text: &str, start: usize, end: usize) -> bool {
    let prev = prev_char(text, start);
    let next = next_char(text, end);
    let last = text.get(..end).and_then(|t| t.chars().next_back());
    let prev_ok = match prev {
        None => true,
        Some(p) if !crate::util::is_word_char(p) => true,
        Some(p) => p.is_lowercase() && !is_cjk(p),
    };
    let next_ok = match next {
        None => true,
        Some(n) if !crate::util::is_word_char(n) => true,
        Some(n) => n.is_uppercase() && last.is_some_and(char::is_lowercase),
    };
    prev_ok && next_ok
}

lazy_re!(
    NEG_AFTER,
    r"(?i)^\s*(?:\([^)\n]{0,40}\)\s*)?[-‐‑–−]?\s*(?:free(?-u:\b)|无|不含)"
);
lazy_re!(
    NEG_BEFORE,
    r"(?i)(?:(?-u:\b)free\s+(?:of|from)|(?-u:\b)no|(?-u:\b)non|(?-u:\b)without|(?-u:\b)except|(?-u:\b)zero|(?-u:\b)not|(?-u:\b)hexavalent|不含|无)[\s\-]*$"
);

/// "lead-free", "PVC-free", "Halogen Free", "BFR (…) free", "free of X",
/// "no X", "non-X", "hexavalent chromium": the material is named because it is
/// absent or restricted.
pub(crate) fn negated(text: &str, start: usize, end: usize) -> bool {
    let after = crate::util::line_after(text, end, 60);
    if NEG_AFTER.as_ref().is_some_and(|re| re.is_match(after)) {
        return true;
    }
    let before = crate::util::line_before(text, start, 30);
    NEG_BEFORE.as_ref().is_some_and(|re| re.is_match(before))
}

/// The canonical name of a single material term as written: "Phosphor
/// Bronze" → "phosphor bronze", "PBT" → "pbt", "SUS304" → "stainless steel",
/// "磷青铜" → "phosphor bronze", "Cu" → "copper". `None` unless the whole
/// (trimmed) term is one vocabulary entry.
pub fn canonical(term: &str) -> Option<&'static str> {
    let term = term.trim();
    let hits = scan(term, true, true);
    match hits.as_slice() {
        [h] if h.start == 0 && h.end == term.len() => Some(h.canon),
        _ => None,
    }
}

/// Whether `quote` names the canonical material `name` in any spelling the
/// rules accept ("Polyethylene (PE)" names "pe", "Ag/Ni/Sn" names "silver").
/// Canonical names are normalised, so a verifier that looks for the name
/// itself in the quote should ask this instead.
pub fn mentions(quote: &str, name: &str) -> bool {
    scan(quote, true, true).iter().any(|h| h.canon == name)
}

/// Words that put a statement about packaging, printed matter or shipping
/// material, not about the product: its materials and recycled claims are
/// not the product's.
pub const PACKAGING: &[&str] = &[
    "packag",
    "box",
    "carton",
    "bag",
    "chipboard",
    "paperboard",
    "cardboard",
    "wood fiber",
    "wood fibre",
    "fiber-based",
    "fibre-based",
    "user guide",
    "manual",
    "insert",
    "wrap",
    "包装",
];

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn patterns_compile_and_keys_are_unambiguous() {
        assert!(WORD_RE.is_some());
        assert!(ABBR_RE.is_some());
        assert!(SYMBOL_RE.is_some());
        assert!(SUS_RE.is_some());
        assert!(NEG_AFTER.is_some());
        assert!(NEG_BEFORE.is_some());
        let mut seen: HashMap<String, &str> = HashMap::new();
        for &(canon, aliases) in WORDS {
            for a in aliases {
                if let Some(prev) = seen.insert(key(a), canon) {
                    assert_eq!(prev, canon, "alias {a}");
                }
                assert_eq!(canonical(a), Some(canon), "alias {a}");
            }
        }
        for &(a, canon) in ABBRS.iter().chain(SYMBOLS) {
            assert_eq!(canonical(a), Some(canon), "abbr {a}");
        }
    }

    #[test]
    fn mentions_matches_any_spelling() {
        assert!(mentions("Insulation:Polyethylene (PE)", "pe"));
        assert!(mentions("Terminal ....Ag/Ni/Sn", "silver"));
        assert!(mentions("端子基材 磷青铜", "phosphor bronze"));
        assert!(mentions(
            "Enclosure made with 100% recycled aluminum",
            "aluminium"
        ));
        assert!(!mentions("Housing: PBT", "polyamide"));
        assert_eq!(canonical("  Phosphor Bronze "), Some("phosphor bronze"));
        assert_eq!(canonical("bronze plating"), None);
    }

    #[test]
    fn canonical_names() {
        assert_eq!(canonical("Phosphor Bronze"), Some("phosphor bronze"));
        assert_eq!(canonical("PhosphorBronze"), Some("phosphor bronze"));
        assert_eq!(canonical("PHOSPHOR BRONZE"), Some("phosphor bronze"));
        assert_eq!(canonical("aluminum"), Some("aluminium"));
        assert_eq!(canonical("Epoxy Resins"), Some("epoxy resin"));
        assert_eq!(canonical("ceramics"), Some("ceramic"));
        assert_eq!(canonical("FR-4"), Some("fr-4"));
        assert_eq!(canonical("SUS304"), Some("stainless steel"));
        assert_eq!(canonical("SUS 301"), Some("stainless steel"));
        assert_eq!(canonical("Nylon 66"), Some("pa66"));
        assert_eq!(canonical("磷青铜"), Some("phosphor bronze"));
        assert_eq!(canonical("液晶聚合物"), Some("lcp"));
    }

    fn names(text: &str, abbrs: bool, symbols: bool) -> Vec<&'static str> {
        scan(text, abbrs, symbols)
            .into_iter()
            .map(|h| h.canon)
            .collect()
    }

    #[test]
    fn longest_alias_wins() {
        assert_eq!(names("Copper Alloy", false, false), ["copper alloy"]);
        assert_eq!(names("silicone rubber", false, false), ["silicone"]);
        assert_eq!(
            names("Iron oxide (Fe2O3)", true, true),
            ["iron oxide", "iron oxide"]
        );
        assert_eq!(names("polyethylene terephthalate", false, false), ["pet"]);
        assert_eq!(names("Ag + Au-Alloy", true, true), ["silver", "gold alloy"]);
    }

    #[test]
    fn boundaries() {
        assert!(names("tinned, leads, solderable, Massachusetts", true, true).is_empty());
        assert!(names("Also Features Size Time August", true, true).is_empty());
        assert!(names("PCB and PC board", true, false).is_empty());
        assert_eq!(
            names("Copper and its compoundsCopper, metal", false, false),
            ["copper", "copper"]
        );
        assert_eq!(
            names("CuPdAuCopper", false, true),
            ["copper", "palladium", "gold", "copper"]
        );
        assert_eq!(names("MainbodyLCP(本色)", true, false), ["lcp"]);
        assert_eq!(names("Ag/Ni/Sn", false, true), ["silver", "nickel", "tin"]);
        assert_eq!(names("PE/PVC", true, false), ["pe", "pvc"]);
        // where a part is soldered is not what it is made of
        assert!(
            names(
                "solder area, solder tails, solder heat resistance",
                true,
                true
            )
            .is_empty()
        );
        assert_eq!(
            names("Lead free-solder; solder paste", true, true),
            ["solder", "solder"]
        );
    }

    #[test]
    fn homogeneous_materials_of_packages_and_passives() {
        assert_eq!(
            names("High-melting point solder, Molding Compound", false, false),
            ["solder", "molding compound"]
        );
        assert_eq!(
            names(
                "Die attach material Conductive Epoxy, Silver paste",
                false,
                false
            ),
            ["die attach", "conductive epoxy", "silver paste"]
        );
        assert_eq!(
            names("Termination Ink, Glaze, German silver", false, false),
            ["ink", "glaze", "nickel silver"]
        );
        // "epoxy molding compound" stays the epoxy it is
        assert_eq!(
            names("Epoxy molding compound", false, false),
            ["epoxy resin"]
        );
    }

    #[test]
    fn chinese_single_characters() {
        assert_eq!(names("金", false, false), ["gold"]);
        assert_eq!(names("镀金", false, false), ["gold"]);
        assert_eq!(names("金属表面镀锡", false, false), ["tin"]);
        assert!(names("合金", false, false).is_empty());
        assert!(names("铜箔", false, false).is_empty());
        assert_eq!(names("黄铜", false, false), ["brass"]);
    }

    #[test]
    fn negation() {
        for (text, word) in [
            ("Pb-free plating", "Pb"),
            ("Silicone Free", "Silicone"),
            ("PVC-free", "PVC"),
            ("Halogen Free (Cl+Br)", "Halogen"),
            ("BFR (Brominated Flame Retardants) free", "BFR"),
            ("free of silicone", "silicone"),
            ("contains no PVC", "PVC"),
            ("Hexavalent Chromium", "Chromium"),
            ("Pb − Free Device", "Pb"),
        ] {
            let s = text.find(word).unwrap();
            assert!(negated(text, s, s + word.len()), "{text}");
        }
        let t = "Contact: phosphor bronze, tin plated";
        let s = t.find("tin").unwrap();
        assert!(!negated(t, s, s + 3));
    }
}
