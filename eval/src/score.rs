//! Scoring rules, exactly as GOLD_FORMAT.md states them.

use serde::{Deserialize, Serialize};

use crate::gold::{GoldCase, GoldRecycled};

/// One predicted value with the spans it cites (code points).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cited<T> {
    pub value: T,
    pub citations: Vec<Span>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub quote: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    pub mass_g: Option<Cited<f64>>,
    pub origin: Vec<Cited<String>>,
    pub materials: Vec<Cited<String>>,
    pub recycled: Vec<Cited<(Option<String>, f64)>>,
}

/// Counts for one field of one case.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    pub tp: usize,
    pub fp: usize,
    pub fn_: usize,
    /// Correct values whose citation overlaps the evidence snippet.
    pub grounded: usize,
    /// Values predicted where the gold field is empty.
    pub invented: usize,
}

impl Counts {
    pub fn add(&mut self, o: &Counts) {
        self.tp += o.tp;
        self.fp += o.fp;
        self.fn_ += o.fn_;
        self.grounded += o.grounded;
        self.invented += o.invented;
    }
    pub fn outcome(&self) -> &'static str {
        match (self.tp, self.fp, self.fn_) {
            (0, 0, 0) => "correct_empty",
            (_, 0, 0) => "correct",
            (0, fp, 0) if fp == self.invented => "invented",
            (0, 0, _) => "missed",
            _ => "wrong",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub grounding: f64,
}

impl Metrics {
    /// Micro-averaged metrics. With nothing predicted and nothing to find,
    /// precision and recall are 1 (nothing was wrong).
    pub fn from(c: &Counts) -> Self {
        let ratio = |a: usize, b: usize| if b == 0 { 1.0 } else { a as f64 / b as f64 };
        let precision = ratio(c.tp, c.tp + c.fp);
        let recall = ratio(c.tp, c.tp + c.fn_);
        let f1 = if precision + recall == 0.0 {
            0.0
        } else {
            2.0 * precision * recall / (precision + recall)
        };
        Metrics {
            precision,
            recall,
            f1,
            grounding: ratio(c.grounded, c.tp),
        }
    }
}

/// Lower case, punctuation replaced by spaces, single spaces.
pub fn normalise(s: &str) -> String {
    s.to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A prediction matches a gold entry (`a|b|c` spellings) when a spelling
/// equals it or is contained in it as whole words.
pub fn material_matches(gold_entry: &str, predicted: &str) -> bool {
    let p = format!(" {} ", normalise(predicted));
    gold_entry
        .split('|')
        .map(normalise)
        .filter(|s| !s.is_empty())
        .any(|s| p.trim() == s || p.contains(&format!(" {s} ")))
}

pub fn mass_correct(gold: f64, predicted: f64) -> bool {
    (predicted - gold).abs() <= (0.02 * gold.abs()).max(0.001)
}

fn overlaps_any(c: &[Span], evidence: &[(usize, usize)]) -> bool {
    c.iter()
        .any(|s| evidence.iter().any(|&(a, b)| s.start < b && s.end > a))
}

/// Scores one case. `evidence(field)` gives the code point ranges where the
/// case's evidence snippet for that field occurs in the document text.
pub fn score_case(
    gold: &GoldCase,
    pred: &Prediction,
    evidence: &dyn Fn(&str) -> Vec<(usize, usize)>,
) -> [Counts; 4] {
    let mut mass = Counts::default();
    match (gold.mass_g, &pred.mass_g) {
        (Some(g), Some(p)) if mass_correct(g, p.value) => {
            mass.tp = 1;
            mass.grounded = usize::from(overlaps_any(&p.citations, &evidence("mass_g")));
        }
        (Some(_), Some(_)) => {
            mass.fp = 1;
            mass.fn_ = 1;
        }
        (Some(_), None) => mass.fn_ = 1,
        (None, Some(_)) => {
            mass.fp = 1;
            mass.invented = 1;
        }
        (None, None) => {}
    }

    let mut origin = Counts::default();
    let gold_codes: Vec<String> = gold.origin.iter().map(|c| c.to_uppercase()).collect();
    let mut seen = Vec::new();
    for p in &pred.origin {
        let code = p.value.to_uppercase();
        if seen.contains(&code) {
            // A duplicate adds nothing and costs precision.
            origin.fp += 1;
            continue;
        }
        seen.push(code.clone());
        if gold_codes.contains(&code) {
            origin.tp += 1;
            origin.grounded += usize::from(overlaps_any(&p.citations, &evidence("origin")));
        } else {
            origin.fp += 1;
            if gold_codes.is_empty() {
                origin.invented += 1;
            }
        }
    }
    origin.fn_ = gold_codes.iter().filter(|g| !seen.contains(g)).count();

    let mut materials = Counts::default();
    let mut used = vec![false; gold.materials.len()];
    for p in &pred.materials {
        let hit = gold
            .materials
            .iter()
            .enumerate()
            .find(|(i, g)| !used[*i] && material_matches(g, &p.value));
        match hit {
            Some((i, _)) => {
                used[i] = true;
                materials.tp += 1;
                materials.grounded +=
                    usize::from(overlaps_any(&p.citations, &evidence("materials")));
            }
            None => {
                materials.fp += 1;
                if gold.materials.is_empty() {
                    materials.invented += 1;
                }
            }
        }
    }
    materials.fn_ = used.iter().filter(|u| !**u).count();

    let mut recycled = Counts::default();
    let mut used = vec![false; gold.recycled.len()];
    for p in &pred.recycled {
        let hit = gold
            .recycled
            .iter()
            .enumerate()
            .find(|(i, g)| !used[*i] && recycled_matches(g, &p.value.0, p.value.1));
        match hit {
            Some((i, _)) => {
                used[i] = true;
                recycled.tp += 1;
                recycled.grounded += usize::from(overlaps_any(&p.citations, &evidence("recycled")));
            }
            None => {
                recycled.fp += 1;
                if gold.recycled.is_empty() {
                    recycled.invented += 1;
                }
            }
        }
    }
    recycled.fn_ = used.iter().filter(|u| !**u).count();
    [mass, origin, materials, recycled]
}

pub fn recycled_matches(gold: &GoldRecycled, material: &Option<String>, pct: f64) -> bool {
    (gold.pct - pct).abs() <= 1.0
        && match (&gold.material, material) {
            (None, None) => true,
            (Some(g), Some(p)) => material_matches(g, p),
            _ => false,
        }
}

/// Superscript and subscript digits compare as the digits they are: a
/// snippet copied from a plain text dump reads a footnote marker "g⁸" as
/// "g8".
fn fold_script(c: char) -> char {
    const SUP: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    const SUB: [char; 10] = ['₀', '₁', '₂', '₃', '₄', '₅', '₆', '₇', '₈', '₉'];
    SUP.iter()
        .chain(SUB.iter())
        .position(|&d| d == c)
        .and_then(|i| char::from_digit((i % 10) as u32, 10))
        .unwrap_or(c)
}

/// Code point ranges where `snippet` occurs in `text`, compared without
/// whitespace (and with superscript digits read as digits).
pub fn locate(text: &str, snippet: &str) -> Vec<(usize, usize)> {
    let needle: Vec<char> = snippet
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(fold_script)
        .collect();
    if needle.is_empty() {
        return Vec::new();
    }
    let (hay, pos): (Vec<char>, Vec<usize>) = text
        .chars()
        .enumerate()
        .filter(|(_, c)| !c.is_whitespace())
        .map(|(i, c)| (fold_script(c), i))
        .unzip();
    let mut out = Vec::new();
    if hay.len() < needle.len() {
        return out;
    }
    for i in 0..=hay.len() - needle.len() {
        if hay[i..i + needle.len()] == needle[..] {
            out.push((pos[i], pos[i + needle.len() - 1] + 1));
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn case(mass: Option<f64>) -> GoldCase {
        GoldCase {
            id: "c".into(),
            doc: "d".into(),
            subject: None,
            mass_g: mass,
            origin: vec!["CN".into()],
            materials: vec!["copper|cu".into(), "tin|sn".into()],
            recycled: vec![GoldRecycled {
                material: Some("aluminium|aluminum".into()),
                pct: 100.0,
            }],
            evidence: Default::default(),
        }
    }

    fn cited<T>(value: T, start: usize, end: usize) -> Cited<T> {
        Cited {
            value,
            citations: vec![Span {
                start,
                end,
                quote: String::new(),
            }],
        }
    }

    #[test]
    fn mass_tolerance_edges() {
        assert!(mass_correct(100.0, 102.0));
        assert!(!mass_correct(100.0, 102.1));
        assert!(mass_correct(0.01, 0.011));
        assert!(!mass_correct(0.01, 0.0111));
        assert!(mass_correct(0.0, 0.001));
    }

    #[test]
    fn material_aliases_and_whole_words() {
        assert!(material_matches("copper", "tin plated copper"));
        assert!(material_matches("tin|sn", "Sn"));
        assert!(material_matches(
            "polybutylene terephthalate|pbt",
            "PBT (UL94 V-0)"
        ));
        assert!(!material_matches("tin", "tinned"));
        assert!(!material_matches("copper", "copperas"));
        assert!(material_matches("stainless steel", "Stainless-Steel"));
    }

    #[test]
    fn duplicates_and_empty_gold_fields() {
        let gold = case(None);
        let pred = Prediction {
            mass_g: Some(cited(5.0, 0, 1)),
            origin: vec![cited("CN".into(), 0, 1), cited("CN".into(), 0, 1)],
            materials: vec![cited("copper".into(), 0, 1), cited("Cu".into(), 0, 1)],
            recycled: vec![],
        };
        let [mass, origin, materials, recycled] = score_case(&gold, &pred, &|_| vec![(0, 1)]);
        assert_eq!((mass.fp, mass.invented, mass.outcome()), (1, 1, "invented"));
        assert_eq!((origin.tp, origin.fp), (1, 1));
        // "Cu" cannot reuse the copper entry; it does not match tin.
        assert_eq!((materials.tp, materials.fp, materials.fn_), (1, 1, 1));
        assert_eq!((recycled.fn_, recycled.outcome()), (1, "missed"));
    }

    #[test]
    fn recycled_claims_match_on_material_and_points() {
        let g = GoldRecycled {
            material: Some("aluminium|aluminum".into()),
            pct: 100.0,
        };
        assert!(recycled_matches(
            &g,
            &Some("recycled aluminum".into()),
            99.0
        ));
        assert!(!recycled_matches(&g, &Some("aluminum".into()), 98.9));
        assert!(!recycled_matches(&g, &None, 100.0));
        let whole = GoldRecycled {
            material: None,
            pct: 30.0,
        };
        assert!(recycled_matches(&whole, &None, 30.5));
    }

    #[test]
    fn grounding_needs_an_overlapping_citation_on_non_ascii_text() {
        let text = "规格\n重量 1.6 克\n外壳材料";
        let loc = locate(text, "重量1.6 克");
        assert_eq!(loc, vec![(3, 11)]);
        let gold = GoldCase {
            mass_g: Some(1.6),
            origin: vec![],
            materials: vec![],
            recycled: vec![],
            ..case(None)
        };
        let ev = |f: &str| if f == "mass_g" { loc.clone() } else { vec![] };
        let good = Prediction {
            mass_g: Some(cited(1.6, 6, 11)),
            ..Default::default()
        };
        let [m, ..] = score_case(&gold, &good, &ev);
        assert_eq!((m.tp, m.grounded), (1, 1));
        let ungrounded = Prediction {
            mass_g: Some(cited(1.6, 12, 16)),
            ..Default::default()
        };
        let [m, ..] = score_case(&gold, &ungrounded, &ev);
        assert_eq!((m.tp, m.grounded), (1, 0));
        assert_eq!(Metrics::from(&m).grounding, 0.0);
    }

    #[test]
    fn metrics_are_micro_averages() {
        let c = Counts {
            tp: 3,
            fp: 1,
            fn_: 2,
            grounded: 3,
            invented: 1,
        };
        let m = Metrics::from(&c);
        assert_eq!((m.precision, m.recall, m.grounding), (0.75, 0.6, 1.0));
        assert!((m.f1 - 2.0 * 0.75 * 0.6 / 1.35).abs() < 1e-12);
        assert_eq!(Metrics::from(&Counts::default()).precision, 1.0);
    }
}
