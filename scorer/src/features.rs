//! Feature extraction: one fixed-length vector of `f32` per candidate.
//!
//! The features are listed once, in [`FEATURES`], as `(name, function)`
//! pairs; [`feature_names`] and [`features`] both read that table, so the
//! names and the values can never fall out of step. Every value is finite.

use std::sync::LazyLock;

/// Identifies the feature definitions. A model stores the version it was
/// trained with and is refused by a build whose features differ.
pub const FEATURE_VERSION: &str = "features-1";

/// Everything the scorer sees about one candidate. Strings are borrowed
/// from the document.
#[derive(Debug, Clone, Copy, Default)]
pub struct CandidateInput<'a> {
    /// `"mass"`, `"origin"`, `"materials"` or `"recycled_content"`.
    pub field: &'a str,
    /// Which extractor proposed the candidate, e.g. `"rules:labelled_mass"`,
    /// `"sheet:column"`, `"declaration:total"`; only the family before the
    /// first `:` is used.
    pub extractor: &'a str,
    /// The rule's own confidence, 0..1.
    pub rule_confidence: f32,
    /// The cited evidence text (a line or two).
    pub quote: &'a str,
    /// Up to ~300 chars of document text right before the quote.
    pub before: &'a str,
    /// Up to ~300 chars of document text right after the quote.
    pub after: &'a str,
    /// The value as text (`"0.105 g"`, `"CN"`, `"copper"`, `"20% plastic"`).
    pub value: &'a str,
    /// Normalised mass in grams, for mass candidates.
    pub grams: Option<f64>,
    /// Chars from the candidate to the nearest mention of the requested
    /// subject; `None` if there is no subject or no mention.
    pub subject_distance: Option<usize>,
    /// Another product's name is mentioned between the subject mention and
    /// the candidate.
    pub other_subject_closer: bool,
    /// `"datasheet"`, `"declaration"`, `"report"`, `"web_page"`, `"dataset"`
    /// or `"other"`.
    pub doc_kind: &'a str,
    /// Candidate start / document length, 0..1.
    pub position: f32,
    /// How many candidates in the same document share this value.
    pub same_value_count: usize,
    /// How many candidates for this field the document has.
    pub field_candidate_count: usize,
}

/// Chars of `before` searched for a cue of the candidate's own field
/// (section headings, table headers).
const BEFORE_CUE_CHARS: usize = 160;
/// Chars of `before` searched, together with the quote, for distractors and
/// qualifiers.
const NEAR_CHARS: usize = 80;
/// Subject distance (chars) at which the proximity feature falls to 1/e.
const SUBJECT_DISTANCE_SCALE: f64 = 500.0;
/// Masses outside this range (grams) are implausible for a part or product.
const MIN_PLAUSIBLE_GRAMS: f64 = 1e-4;
const MAX_PLAUSIBLE_GRAMS: f64 = 50_000.0;

// Cue lexicons. Matching is case-insensitive on whitespace-normalised text.
// A Latin term only matches as a whole word (no letter or digit directly
// before or after it); a trailing `*` lets it match as a word prefix
// ("recycl*" matches "recycled" and "recycling"). CJK terms match anywhere.

const MASS_CUES: &[&str] = &[
    "weight", "weights", "weighs", "weighing", "mass", "net wt", "wt.", "gewicht", "poids", "peso",
    "重量", "质量", "重さ", "净重", "單重", "单重",
];
const ORIGIN_CUES: &[&str] = &[
    "made in",
    "origin",
    "country",
    "coo",
    "assembl*",
    "manufactur*",
    "produced in",
    "fabricated in",
    "原产",
    "原產",
    "产地",
    "產地",
    "制造",
    "製造",
    "生产地",
];
const MATERIAL_CUES: &[&str] = &[
    "material*",
    "housing",
    "case",
    "enclosure",
    "lead frame",
    "leadframe",
    "plating",
    "plated",
    "body",
    "substrate",
    "resin",
    "alloy",
    "composition",
    "made of",
    "材料",
    "材质",
    "材質",
    "外壳",
    "成分",
];
const RECYCLED_CUES: &[&str] = &[
    "recycl*",
    "post-consumer",
    "post consumer",
    "postconsumer",
    "pre-consumer",
    "post-industrial",
    "pcr",
    "pir",
    "reclaimed",
    "secondary",
    "再生",
    "回收",
];
const TYPICAL_CUES: &[&str] = &[
    "approx*", "typ", "typ.", "typical*", "nominal", "ca.", "about", "around", "~", "≈", "约",
    "約", "典型", "大约",
];
const NET_TOTAL_CUES: &[&str] = &[
    "net",
    "total",
    "overall",
    "whole",
    "complete",
    "净重",
    "總重",
    "总重",
    "合计",
    "总质量",
];

const PACKAGING_DISTRACTORS: &[&str] = &[
    "packaging",
    "packed",
    "packing",
    "reel",
    "reels",
    "tape",
    "box",
    "boxes",
    "carton",
    "shipping",
    "shipment",
    "pallet",
    "tray",
    "bag",
    "gross",
    "battery pack",
    "charger",
    "accessor*",
    "包装",
    "包裝",
    "卷盘",
    "纸箱",
    "毛重",
];
const PACKAGE_WORD: &[&str] = &["package*", "封装", "封裝"];
const PER_QUANTITY_DISTRACTORS: &[&str] = &[
    "per 100",
    "per 1000",
    "per 1,000",
    "per reel",
    "per box",
    "per carton",
    "per pack",
    "per kpcs",
    "per m",
    "per meter",
    "per metre",
    "/100",
    "/1000",
    "/kpcs",
    "/reel",
    "/m",
    "/km",
    "1000 pcs",
    "1000pcs",
    "kpcs",
    "pcs/",
    "每千",
    "千只",
];
const LIMIT_DISTRACTORS: &[&str] = &[
    "tolerance",
    "max",
    "max.",
    "maximum",
    "min",
    "min.",
    "minimum",
    "up to",
    "at most",
    "at least",
    "less than",
    "more than",
    "limit*",
    "threshold",
    "exceed*",
    "±",
    "≤",
    "≥",
    "<",
    ">",
    "不超过",
    "最大",
    "最小",
    "公差",
    "限值",
];
const OTHER_QUANTITY_DISTRACTORS: &[&str] = &[
    "temperature",
    "voltage",
    "volt*",
    "current",
    "power",
    "frequency",
    "pressure",
    "torque",
    "capacity",
    "humidity",
    "°c",
    "℃",
    "温度",
    "电压",
    "電壓",
    "电流",
    "功率",
];
const EMISSIONS_DISTRACTORS: &[&str] = &[
    "emission*",
    "co2",
    "co2e",
    "co₂",
    "co₂e",
    "carbon",
    "footprint",
    "ghg",
    "greenhouse",
    "scope",
    "kwh",
    "energy",
    "排放",
    "碳",
];
const CORPORATE_DISTRACTORS: &[&str] = &[
    "our products",
    "our packaging",
    "our goal",
    "goal*",
    "target*",
    "aim*",
    "commit*",
    "pledge*",
    "ambition*",
    "by 2025",
    "by 2030",
    "by 2035",
    "by 2040",
    "by 2050",
    "company-wide",
    "companywide",
    "across our",
    "strategy",
    "目标",
    "目標",
    "承诺",
];
const COMPARISON_DISTRACTORS: &[&str] = &[
    "compared to",
    "compared with",
    "versus",
    "vs",
    "vs.",
    "than",
    "reduc*",
    "increas*",
    "saving*",
    "lighter",
    "heavier",
    "previous",
    "predecessor",
    "相比",
    "减少",
    "減少",
];

const MASS_UNITS: &[&str] = &[
    "g",
    "mg",
    "kg",
    "µg",
    "μg",
    "ug",
    "lb",
    "lbs",
    "oz",
    "gram*",
    "kilogram*",
    "milligram*",
    "pound*",
    "ounce*",
    "克",
    "千克",
    "毫克",
    "公斤",
];
const PERCENT_UNITS: &[&str] = &["%", "％", "percent", "wt%", "wt.%", "wt. %"];

/// The field a candidate belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Mass,
    Origin,
    Materials,
    Recycled,
    Unknown,
}

impl Field {
    fn parse(s: &str) -> Field {
        match s.trim().to_ascii_lowercase().as_str() {
            "mass" | "weight" => Field::Mass,
            "origin" | "country" | "country_of_origin" => Field::Origin,
            "materials" | "material" => Field::Materials,
            "recycled_content" | "recycled" => Field::Recycled,
            _ => Field::Unknown,
        }
    }

    fn cues(self) -> &'static [&'static str] {
        match self {
            Field::Mass => MASS_CUES,
            Field::Origin => ORIGIN_CUES,
            Field::Materials => MATERIAL_CUES,
            Field::Recycled => RECYCLED_CUES,
            Field::Unknown => &[],
        }
    }
}

const ALL_FIELDS: [Field; 4] = [
    Field::Mass,
    Field::Origin,
    Field::Materials,
    Field::Recycled,
];

/// A candidate prepared once for all feature functions.
struct Ctx<'a> {
    c: &'a CandidateInput<'a>,
    field: Field,
    family: String,
    doc_kind: String,
    /// Lower-cased, whitespace-normalised quote.
    quote: String,
    /// Lower-cased, whitespace-normalised tail of `before` (cue window).
    before_cue: String,
    /// Lower-cased, whitespace-normalised tail of `before` plus the quote.
    near: String,
}

impl<'a> Ctx<'a> {
    fn new(c: &'a CandidateInput<'a>) -> Ctx<'a> {
        let quote = normalise(c.quote);
        let near_before = normalise(tail_chars(c.before, NEAR_CHARS));
        let near = format!("{near_before} {quote}");
        let family = c
            .extractor
            .split(':')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        Ctx {
            c,
            field: Field::parse(c.field),
            family,
            doc_kind: c.doc_kind.trim().to_ascii_lowercase(),
            quote,
            before_cue: normalise(tail_chars(c.before, BEFORE_CUE_CHARS)),
            near,
        }
    }

    fn grams(&self) -> Option<f64> {
        self.c.grams.filter(|g| g.is_finite())
    }

    fn doc_is(&self, kind: &str) -> f32 {
        flag(self.doc_kind == kind)
    }

    fn doc_is_other(&self) -> f32 {
        let known = ["datasheet", "declaration", "report", "web_page", "dataset"];
        flag(!known.contains(&self.doc_kind.as_str()))
    }
}

type FeatureFn = fn(&Ctx) -> f32;

/// The feature table: name and how to compute it, in vector order.
static FEATURES: &[(&str, FeatureFn)] = &[
    // Which field the candidate is for.
    ("field_mass", |x| flag(x.field == Field::Mass)),
    ("field_origin", |x| flag(x.field == Field::Origin)),
    ("field_materials", |x| flag(x.field == Field::Materials)),
    ("field_recycled_content", |x| {
        flag(x.field == Field::Recycled)
    }),
    // Extractor family (the part before ':').
    ("extractor_rules", |x| flag(x.family == "rules")),
    ("extractor_sheet", |x| flag(x.family == "sheet")),
    ("extractor_declaration", |x| flag(x.family == "declaration")),
    ("extractor_llm", |x| flag(x.family == "llm")),
    ("rule_confidence", |x| unit_interval(x.c.rule_confidence)),
    // Positive cues.
    ("cue_field_in_quote", |x| {
        flag(contains_any(&x.quote, x.field.cues()))
    }),
    ("cue_field_before", |x| {
        flag(contains_any(&x.before_cue, x.field.cues()))
    }),
    ("cue_other_field_in_quote", |x| {
        let own = contains_any(&x.quote, x.field.cues());
        let other = ALL_FIELDS
            .iter()
            .filter(|f| **f != x.field)
            .any(|f| contains_any(&x.quote, f.cues()));
        flag(other && !own)
    }),
    ("cue_typical", |x| flag(contains_any(&x.near, TYPICAL_CUES))),
    ("cue_net_total", |x| {
        flag(contains_any(&x.near, NET_TOTAL_CUES))
    }),
    // Distractors: the number or name is about something else.
    ("distractor_packaging", |x| {
        flag(contains_any(&x.near, PACKAGING_DISTRACTORS))
    }),
    ("distractor_package_word", |x| {
        flag(contains_any(&x.near, PACKAGE_WORD))
    }),
    ("distractor_per_quantity", |x| {
        flag(contains_any(&x.near, PER_QUANTITY_DISTRACTORS))
    }),
    ("distractor_limit", |x| {
        flag(contains_any(&x.near, LIMIT_DISTRACTORS))
    }),
    ("distractor_other_quantity", |x| {
        flag(contains_any(&x.near, OTHER_QUANTITY_DISTRACTORS))
    }),
    ("distractor_emissions", |x| {
        flag(contains_any(&x.near, EMISSIONS_DISTRACTORS))
    }),
    ("distractor_corporate", |x| {
        flag(contains_any(&x.near, CORPORATE_DISTRACTORS))
    }),
    ("distractor_comparison", |x| {
        flag(contains_any(&x.near, COMPARISON_DISTRACTORS))
    }),
    // Units and values.
    ("mass_unit_in_quote", |x| {
        flag(number_followed_by(&x.quote, MASS_UNITS))
    }),
    ("percent_in_quote", |x| {
        flag(number_followed_by(&x.quote, PERCENT_UNITS))
    }),
    ("has_grams", |x| flag(x.grams().is_some())),
    ("log10_grams", |x| match x.grams() {
        Some(g) if g > 0.0 => g.log10().clamp(-6.0, 6.0) as f32,
        Some(_) => -6.0,
        None => 0.0,
    }),
    ("implausible_mass", |x| {
        flag(
            x.grams()
                .is_some_and(|g| !(MIN_PLAUSIBLE_GRAMS..=MAX_PLAUSIBLE_GRAMS).contains(&g)),
        )
    }),
    ("recycled_fraction", |x| {
        if x.field != Field::Recycled {
            return 0.0;
        }
        percent_in(x.c.value).map_or(0.0, |p| (p / 100.0).clamp(0.0, 2.0) as f32)
    }),
    // The requested subject.
    ("subject_proximity", |x| {
        x.c.subject_distance
            .map_or(0.0, |d| (-(d as f64) / SUBJECT_DISTANCE_SCALE).exp() as f32)
    }),
    ("subject_unknown", |x| flag(x.c.subject_distance.is_none())),
    ("other_subject_closer", |x| flag(x.c.other_subject_closer)),
    // Document kind.
    ("doc_datasheet", |x| x.doc_is("datasheet")),
    ("doc_declaration", |x| x.doc_is("declaration")),
    ("doc_report", |x| x.doc_is("report")),
    ("doc_web_page", |x| x.doc_is("web_page")),
    ("doc_dataset", |x| x.doc_is("dataset")),
    ("doc_other", |x| x.doc_is_other()),
    ("position", |x| unit_interval(x.c.position)),
    // Agreement between candidates of the same document.
    ("agreement_log", |x| (x.c.same_value_count as f32).ln_1p()),
    ("agreement_share", |x| {
        if x.c.field_candidate_count == 0 {
            0.0
        } else {
            (x.c.same_value_count as f32 / x.c.field_candidate_count as f32).clamp(0.0, 1.0)
        }
    }),
    ("field_candidates_inv", |x| {
        1.0 / x.c.field_candidate_count.max(1) as f32
    }),
    // Shape of the quote.
    ("quote_len_log", |x| {
        (x.c.quote.chars().count() as f32).ln_1p()
    }),
    ("quote_has_number", |x| {
        flag(
            x.c.quote
                .chars()
                .any(|ch| ch.is_ascii_digit() || ('０'..='９').contains(&ch)),
        )
    }),
    ("quote_table_like", |x| flag(table_like(x.c.quote))),
];

static NAMES: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| FEATURES.iter().map(|(name, _)| *name).collect());

/// The feature names, in the order [`features`] returns the values.
pub fn feature_names() -> &'static [&'static str] {
    &NAMES
}

/// The feature vector of one candidate; same length and order as
/// [`feature_names`]. Every value is finite.
pub fn features(c: &CandidateInput) -> Vec<f32> {
    let ctx = Ctx::new(c);
    FEATURES
        .iter()
        .map(|(_, f)| {
            let v = f(&ctx);
            if v.is_finite() { v } else { 0.0 }
        })
        .collect()
}

fn flag(b: bool) -> f32 {
    if b { 1.0 } else { 0.0 }
}

fn unit_interval(v: f32) -> f32 {
    if v.is_finite() {
        v.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// Lower-cases and collapses every run of whitespace to one space.
pub(crate) fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for ch in s.chars() {
        if ch.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.extend(ch.to_lowercase());
    }
    out
}

/// The last `n` chars of `s`.
pub(crate) fn tail_chars(s: &str, n: usize) -> &str {
    match s.char_indices().rev().nth(n.saturating_sub(1)) {
        Some((i, _)) if n > 0 => &s[i..],
        None if n > 0 => s,
        _ => "",
    }
}

/// A char that glues onto a Latin term, so the term is not a whole word
/// there: ASCII letters and digits and other alphabetic chars below the CJK
/// blocks (accented Latin, Greek, Cyrillic). CJK text does not separate
/// words with spaces, so CJK neighbours never block a match.
fn joins_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || (c.is_alphabetic() && (c as u32) < 0x2E80)
}

/// Whether `hay` (already normalised) contains `term` under the lexicon
/// rules: whole words for Latin terms, `*` suffix for prefixes.
pub(crate) fn contains_term(hay: &str, term: &str) -> bool {
    let (pat, prefix) = match term.strip_suffix('*') {
        Some(p) => (p, true),
        None => (term, false),
    };
    if pat.is_empty() {
        return false;
    }
    let check_start = pat.chars().next().is_some_and(joins_word);
    let check_end = !prefix && pat.chars().next_back().is_some_and(joins_word);
    let mut from = 0;
    while let Some(i) = hay[from..].find(pat) {
        let at = from + i;
        let end = at + pat.len();
        let start_ok = !check_start || !hay[..at].chars().next_back().is_some_and(joins_word);
        let end_ok = !check_end || !hay[end..].chars().next().is_some_and(joins_word);
        if start_ok && end_ok {
            return true;
        }
        from = at + hay[at..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

fn contains_any(hay: &str, terms: &[&str]) -> bool {
    terms.iter().any(|t| contains_term(hay, t))
}

/// Whether a number in `hay` (normalised) is directly followed, after at
/// most one space, by one of `units` (lexicon rules for the unit's end).
fn number_followed_by(hay: &str, units: &[&str]) -> bool {
    let bytes = hay.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.' || bytes[i] == b',')
        {
            i += 1;
        }
        let mut rest = &hay[i..];
        if let Some(r) = rest.strip_prefix(' ') {
            rest = r;
        }
        if units.iter().any(|u| starts_with_term(rest, u)) {
            return true;
        }
    }
    false
}

/// `s` starts with `term`, and a Latin term ends at a word boundary (unless
/// it is a `*` prefix).
fn starts_with_term(s: &str, term: &str) -> bool {
    let (pat, prefix) = match term.strip_suffix('*') {
        Some(p) => (p, true),
        None => (term, false),
    };
    let Some(rest) = s.strip_prefix(pat) else {
        return false;
    };
    let check_end = !prefix && pat.chars().next_back().is_some_and(joins_word);
    !check_end || !rest.chars().next().is_some_and(joins_word)
}

/// The first number in `value` that is followed by a percent sign or word.
pub(crate) fn percent_in(value: &str) -> Option<f64> {
    let s = normalise(value);
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.' || bytes[i] == b',')
        {
            i += 1;
        }
        let number = s[start..i].trim_end_matches(['.', ',']).replace(',', ".");
        let rest = s[i..].trim_start();
        if PERCENT_UNITS.iter().any(|u| starts_with_term(rest, u)) {
            return number.parse::<f64>().ok().filter(|p| p.is_finite());
        }
    }
    None
}

/// A line from a table: cells separated by pipes, tabs or runs of spaces.
fn table_like(quote: &str) -> bool {
    if quote.contains(" | ") || quote.contains('\t') {
        return true;
    }
    let mut runs = 0;
    let mut spaces = 0;
    for ch in quote.chars() {
        if ch == ' ' || ch == '\u{a0}' || ch == '\u{3000}' {
            spaces += 1;
        } else {
            if spaces >= 2 {
                runs += 1;
            }
            spaces = 0;
        }
    }
    runs >= 2
}
