//! attest-rules: the deterministic rules extractor.
//!
//! Reads supplier document text and finds four facts about a part or product
//! — mass, country of origin, materials, recycled content — each with the
//! exact byte span of the text it was read from. The values feed audited
//! carbon footprints, so the rules prefer silence to a guess: a number is a
//! mass only when a weight label introduces it, a country is an origin only
//! after a manufacturing cue, a material only where the document says what a
//! part is made of, a percentage recycled content only when recycled wording
//! follows it.
//!
//! Module map:
//! - [`balance`]: a flattened declaration's total mass, found by its own
//!   arithmetic (the parts add up to it, their printed shares agree);
//! - [`units`]: mass units → grams (public normaliser);
//! - [`country`]: country names/codes → ISO 3166-1 alpha-2 (public normaliser);
//! - [`recycled`]: wording → post-/pre-consumer kind (public normaliser);
//! - [`vocab`]: the materials vocabulary; public `canonical` and `mentions`
//!   let a verifier check a quote against a canonical material name;
//! - `mass`, `origin`, `materials`, `recycled_rules`: the rules per fact;
//! - `table`: CSV and spreadsheet rows, where a header gives the meaning;
//! - `util`: regions, numbers, char-boundary-safe windows, clauses.

use std::ops::Range;

use serde::{Deserialize, Serialize};

pub mod balance;
pub mod country;
pub mod recycled;
pub mod units;
pub mod vocab;

mod columns;
mod mass;
mod materials;
mod origin;
pub use origin::origin_roles;
mod recycled_rules;
mod table;
mod util;

/// Bumped whenever a rule's behaviour changes, so stored findings can be
/// traced to the rules that produced them.
pub const RULES_VERSION: &str = "rules-16";

/// Byte offsets into the `text` passed in (always on char boundaries). The caller converts to code points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Evidence {
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MassFinding {
    pub grams: f64,
    pub value: f64,
    /// As written, e.g. "mg", "克", "ounce".
    pub unit: String,
    pub evidence: Evidence,
    pub confidence: f32,
    pub rule: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OriginFinding {
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// The stages of making the product the statement places in the
    /// country ("Assembly: Malaysia"); empty when it names none ("Made in
    /// China", "Country of origin: Japan").
    pub roles: Vec<OriginRole>,
    pub evidence: Evidence,
    pub confidence: f32,
    pub rule: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MaterialFinding {
    /// Lower case, canonical spelling, e.g. "phosphor bronze", "pbt", "copper".
    pub name: String,
    pub evidence: Evidence,
    pub confidence: f32,
    pub rule: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecycledFinding {
    /// `None` = the whole product (or its packaging as a whole, with
    /// `scope` packaging: then the material is "packaging" or "<material>
    /// packaging", e.g. "paper packaging").
    pub material: Option<String>,
    pub percent: f64,
    pub kind: RecycledKind,
    /// What the claim is about: the product, or its packaging.
    pub scope: Scope,
    pub evidence: Evidence,
    pub confidence: f32,
    pub rule: &'static str,
}

/// What a recycled-content claim is about.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    #[default]
    Product,
    Packaging,
}

/// A stage of making a product that a country of origin is stated for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OriginRole {
    /// Wafer fabrication (semiconductors): "Wafer fab: Taiwan".
    WaferFab,
    /// Assembly: "Assembly: Malaysia", "Assembled in Mexico".
    Assembly,
    /// Final test: "Test: Philippines".
    Test,
    /// Manufacture or production in general: "Country of manufacture",
    /// "Produced in", "生产地".
    Manufacturing,
    /// Melting of a metal: "melted and manufactured in the USA".
    Melt,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecycledKind {
    PostConsumer,
    PreConsumer,
    Unspecified,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Findings {
    /// Ranked best first.
    pub mass: Vec<MassFinding>,
    pub origin: Vec<OriginFinding>,
    pub materials: Vec<MaterialFinding>,
    pub recycled: Vec<RecycledFinding>,
}

/// Runs every rule over `text`, restricted to `regions` (byte ranges of `text`; the whole text is `&[0..text.len()]`).
/// Regions let the caller restrict a spreadsheet to the rows about one product. Must never panic on any input,
/// must be fast (linear-ish; the text can be 1 MB), deterministic.
///
/// Regions are clamped to the text and shrunk onto char boundaries; empty
/// or out-of-range regions are ignored. Every list is ranked by confidence,
/// then by position; origins hold one finding per (country, roles),
/// materials one per material, recycled claims one per (material, kind, percent), and masses one
/// per quoted statement.
pub fn extract(text: &str, regions: &[Range<usize>]) -> Findings {
    let regions = util::normalise_regions(text, regions);
    let mut f = Findings::default();
    for r in &regions {
        let Some(slice) = text.get(r.clone()) else {
            continue;
        };
        f.mass.extend(mass::find(slice, r.start));
        f.origin.extend(origin::find(slice, r.start));
        f.materials.extend(materials::find(slice, r.start));
        f.recycled.extend(recycled_rules::find(slice, r.start));
    }
    let t = table::find(text, &regions);
    f.mass.extend(t.mass);
    f.origin.extend(t.origin);

    // A recycled claim about a material also says the product contains it
    // (not a claim about the packaging).
    let from_claims: Vec<MaterialFinding> = f
        .recycled
        .iter()
        .filter(|c| c.scope == Scope::Product)
        .filter_map(|c| {
            Some(MaterialFinding {
                name: c.material.clone()?,
                evidence: c.evidence,
                confidence: (c.confidence - 0.2).max(0.3),
                rule: "recycled_claim_material",
            })
        })
        .collect();
    f.materials.extend(from_claims);

    rank(&mut f.mass, |m| (m.confidence, m.evidence));
    f.mass = dedup_overlapping(std::mem::take(&mut f.mass));

    rank(&mut f.origin, |o| (o.confidence, o.evidence));
    let mut seen = std::collections::HashSet::new();
    f.origin
        .retain(|o| seen.insert((o.country.clone(), o.roles.clone())));

    rank(&mut f.materials, |m| (m.confidence, m.evidence));
    let mut seen = std::collections::HashSet::new();
    f.materials.retain(|m| seen.insert(m.name.clone()));

    rank(&mut f.recycled, |r| (r.confidence, r.evidence));
    let mut seen = std::collections::HashSet::new();
    f.recycled
        .retain(|r| seen.insert((r.material.clone(), r.kind, r.scope, r.percent.to_bits())));
    // "30% recycled plastic … 30% recycled material": the share restated
    // without its material is the same claim, not one about the whole product
    let named: Vec<(Scope, u64)> = f
        .recycled
        .iter()
        .filter(|r| r.material.is_some())
        .map(|r| (r.scope, r.percent.to_bits()))
        .collect();
    f.recycled
        .retain(|r| r.material.is_some() || !named.contains(&(r.scope, r.percent.to_bits())));
    drop_breakdowns(&mut f.recycled);

    f
}

/// "71 percent recycled materials … 59 percent post-consumer and 12
/// percent pre-consumer": two whole-product shares of a stated kind that
/// add up (within a point) to a whole-product share stated without one are
/// its breakdown, not further claims. The total is kept.
fn drop_breakdowns(claims: &mut Vec<RecycledFinding>) {
    let whole = |r: &RecycledFinding| r.material.is_none() && r.scope == Scope::Product;
    let totals: Vec<f64> = claims
        .iter()
        .filter(|r| whole(r) && r.kind == RecycledKind::Unspecified)
        .map(|r| r.percent)
        .collect();
    let parts: Vec<usize> = (0..claims.len())
        .filter(|&i| whole(&claims[i]) && claims[i].kind != RecycledKind::Unspecified)
        .collect();
    let mut drop = std::collections::HashSet::new();
    for (n, &i) in parts.iter().enumerate() {
        for &j in &parts[n + 1..] {
            let sum = claims[i].percent + claims[j].percent;
            if claims[i].kind != claims[j].kind && totals.iter().any(|t| (t - sum).abs() <= 1.0) {
                drop.insert(i);
                drop.insert(j);
            }
        }
    }
    let mut k = 0;
    claims.retain(|_| {
        k += 1;
        !drop.contains(&(k - 1))
    });
}

/// Best first: higher confidence, then earlier, then shorter evidence — a
/// total order, so the output never depends on rule order.
fn rank<T>(v: &mut [T], key: impl Fn(&T) -> (f32, Evidence)) {
    v.sort_by(|a, b| {
        let (ca, ea) = key(a);
        let (cb, eb) = key(b);
        cb.total_cmp(&ca)
            .then(ea.start.cmp(&eb.start))
            .then(ea.end.cmp(&eb.end))
    });
}

/// Two rules may read the same statement ("Mass: 0.002 ounce, 0.07 grams" is
/// one statement with two units): keep the best reading of each statement.
fn dedup_overlapping(ranked: Vec<MassFinding>) -> Vec<MassFinding> {
    // kept findings by evidence start; quotes are short, so only starts a
    // little before this one can overlap it
    let mut by_start: std::collections::BTreeMap<usize, Vec<usize>> =
        std::collections::BTreeMap::new();
    let mut kept: Vec<MassFinding> = Vec::with_capacity(ranked.len());
    for m in ranked {
        let from = m.evidence.start.saturating_sub(MAX_QUOTE);
        let overlaps = by_start
            .range(from..m.evidence.end.max(from))
            .flat_map(|(_, v)| v)
            .any(|&i| {
                let k = &kept[i];
                let same_value = (k.grams - m.grams).abs() <= 1e-9 * k.grams.abs().max(1.0);
                let overlap =
                    m.evidence.start < k.evidence.end && k.evidence.start < m.evidence.end;
                // the rows of one weight column share its header's quote
                let same_statement = k.rule == m.rule && m.rule != "weight_column_row";
                overlap && (same_value || k.evidence == m.evidence || same_statement)
            });
        if !overlaps {
            by_start
                .entry(m.evidence.start)
                .or_default()
                .push(kept.len());
            kept.push(m);
        }
    }
    kept
}

/// No rule quotes more than this many bytes.
const MAX_QUOTE: usize = 512;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::single_range_in_vec_init)]
mod tests;
