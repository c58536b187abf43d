//! Bill-of-materials roll-up: each line's part is extracted like any
//! subject (`/v1/extract`, citations verified), the line mass is quantity ×
//! unit mass, and the totals say how much of the product they cover: mass
//! by material (split where a declaration gives the part's materials with
//! their masses, `unattributed` otherwise), the mass-weighted recycled share
//! over the mass it covers, and origin by share of mass.

use std::collections::BTreeMap;

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use crate::extract::Extractors;
use crate::extract::{ExtractError, ExtractRequest, ExtractResponse, Field, Mode, extract};
use crate::library::Engine;

/// Lines of one BOM at most.
pub const MAX_LINES: usize = 10_000;
/// Lines extracted at once.
const CONCURRENCY: usize = 8;
/// Two documents whose masses for one part differ by more than this share
/// make the line ambiguous.
const DISAGREEMENT: f64 = 0.05;

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BomRequest {
    #[serde(default)]
    pub name: Option<String>,
    #[schema(min_items = 1, max_items = 10000)]
    pub lines: Vec<BomLineIn>,
    #[serde(default)]
    pub mode: Option<Mode>,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BomLineIn {
    /// The line's reference (defaults to its position, from 1).
    #[serde(default)]
    pub line: Option<String>,
    /// Part number or product name, as the documents name it.
    #[schema(min_length = 1, max_length = 200)]
    pub part: String,
    /// Pieces (or the unit's count); 1 when absent.
    #[serde(default)]
    pub quantity: Option<f64>,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LineStatus {
    /// All four fields have values.
    Found,
    /// Some fields have values.
    Partial,
    /// No document answers for the part.
    NotFound,
    /// Documents disagree on the part's mass.
    Ambiguous,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BomLine {
    pub line: String,
    pub part: String,
    pub quantity: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub status: LineStatus,
    /// Why the status is not `found`.
    pub reasons: Vec<String>,
    /// quantity × unit mass, in grams.
    pub line_mass_g: Option<f64>,
    /// The lowest confidence among the line's values (0 with none).
    pub confidence: f32,
    /// The extraction answer for the part, as `/v1/extract` gives it.
    pub extraction: ExtractResponse,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Share {
    pub key: String,
    pub mass_g: f64,
    /// Of the total mass.
    pub share: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RecycledShare {
    /// Mass of the lines with a product recycled-content claim.
    pub covered_mass_g: f64,
    pub recycled_mass_g: f64,
    /// recycled / covered (not of the total).
    pub share_of_covered: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BomTotals {
    pub lines: usize,
    pub lines_with_mass: usize,
    /// Total mass of the lines that have one, in grams.
    pub mass_g: f64,
    pub by_status: BTreeMap<String, usize>,
    /// Largest first; `unattributed` where no declaration splits a part.
    pub mass_by_material: Vec<Share>,
    pub recycled: RecycledShare,
    /// Largest first; a part with several countries splits its mass evenly,
    /// `unknown` where none is cited.
    pub origin_by_mass: Vec<Share>,
    /// Line references, lowest confidence first (at most 20).
    pub weakest_lines: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BomResult {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub lines: Vec<BomLine>,
    pub totals: BomTotals,
}

#[derive(Debug, thiserror::Error)]
pub enum BomError {
    #[error("{0}")]
    BadRequest(String),
    #[error(transparent)]
    Extract(#[from] ExtractError),
}

fn validate(req: &BomRequest) -> Result<(), BomError> {
    if req.lines.is_empty() {
        return Err(BomError::BadRequest("the BOM has no lines".into()));
    }
    if req.lines.len() > MAX_LINES {
        return Err(BomError::BadRequest(format!(
            "the BOM has {} lines; at most {MAX_LINES}",
            req.lines.len()
        )));
    }
    for (i, l) in req.lines.iter().enumerate() {
        let part = l.part.trim();
        if part.is_empty() || part.chars().count() > 200 {
            return Err(BomError::BadRequest(format!(
                "line {}: a part is 1 to 200 characters",
                i + 1
            )));
        }
        if let Some(q) = l.quantity
            && !(q.is_finite() && q >= 0.0)
        {
            return Err(BomError::BadRequest(format!(
                "line {}: the quantity must be a number ≥ 0",
                i + 1
            )));
        }
    }
    Ok(())
}

/// Extracts every line (a few at once) and rolls the BOM up.
pub async fn roll_up(
    engine: &Engine,
    x: &Extractors,
    tenant: &str,
    request_id: &str,
    req: &BomRequest,
) -> Result<BomResult, BomError> {
    validate(req)?;
    let requests: Vec<ExtractRequest> = req
        .lines
        .iter()
        .map(|l| ExtractRequest {
            subject: Some(l.part.trim().to_owned()),
            document_ids: None,
            fields: None,
            mode: req.mode,
        })
        .collect();
    let answers: Vec<Result<ExtractResponse, ExtractError>> = futures_util::stream::iter(requests)
        .map(|er: ExtractRequest| async move { extract(engine, x, tenant, request_id, &er).await })
        .buffered(CONCURRENCY)
        .collect()
        .await;
    let mut lines = Vec::with_capacity(answers.len());
    for (i, (l, answer)) in req.lines.iter().zip(answers).enumerate() {
        lines.push(line_of(i, l, answer?));
    }
    let totals = totals(engine, &lines);
    Ok(BomResult {
        name: req.name.clone(),
        lines,
        totals,
    })
}

fn line_of(i: usize, l: &BomLineIn, x: ExtractResponse) -> BomLine {
    let quantity = l.quantity.unwrap_or(1.0);
    let f = &x.fields;
    let mut reasons = Vec::new();
    let mut confidences: Vec<f32> = Vec::new();
    if let Some(m) = &f.mass {
        confidences.push(m.confidence);
    }
    confidences.extend(f.origin.iter().map(|v| v.confidence));
    confidences.extend(f.materials.iter().map(|v| v.confidence));
    confidences.extend(f.recycled_content.iter().map(|v| v.confidence));
    let status = if x.provenance.documents.is_empty() {
        reasons.push(format!("no document names {}", l.part.trim()));
        LineStatus::NotFound
    } else {
        let disagreeing = f.mass.as_ref().and_then(|m| {
            let chosen_doc = m.citations.first().map(|c| c.document_id.as_str());
            x.provenance.runners_up.iter().find(|r| {
                r.field == Field::Mass
                    && r.citation.as_ref().map(|c| c.document_id.as_str()) != chosen_doc
                    && runner_up_grams(&r.value)
                        .is_some_and(|g| (g - m.grams).abs() > DISAGREEMENT * m.grams.max(g))
            })
        });
        if let Some(r) = disagreeing {
            reasons.push(format!(
                "another document gives the mass as {} ({} chosen)",
                r.value,
                f.mass.as_ref().map(|m| m.grams).unwrap_or_default()
            ));
            LineStatus::Ambiguous
        } else if x.not_found.is_empty() {
            LineStatus::Found
        } else {
            let missing: Vec<String> = x.not_found.iter().map(|f| field_name(*f)).collect();
            reasons.push(format!("not found: {}", missing.join(", ")));
            if confidences.is_empty() {
                LineStatus::NotFound
            } else {
                LineStatus::Partial
            }
        }
    };
    BomLine {
        line: l.line.clone().unwrap_or_else(|| (i + 1).to_string()),
        part: l.part.trim().to_owned(),
        quantity,
        unit: l.unit.clone(),
        description: l.description.clone(),
        status,
        reasons,
        line_mass_g: f.mass.as_ref().map(|m| round(m.grams * quantity)),
        confidence: confidences.into_iter().fold(f32::NAN, f32::min).max(0.0),
        extraction: x,
    }
}

fn field_name(f: Field) -> String {
    serde_json::to_value(f)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Grams of a mass runner-up, described as `3.2 g (3.2 g)`.
fn runner_up_grams(described: &str) -> Option<f64> {
    let inner = described.rsplit_once('(')?.1.strip_suffix(" g)")?;
    inner.trim().parse().ok()
}

fn round(g: f64) -> f64 {
    (g * 1e6).round() / 1e6
}

/// Material fractions of a part from the declaration its mass was read
/// from: each homogeneous material's mass over their sum.
fn material_split(engine: &Engine, line: &BomLine) -> Option<Vec<(String, f64)>> {
    let mass = line.extraction.fields.mass.as_ref()?;
    let doc = engine.catalog.get(&mass.citations.first()?.document_id)?;
    let decl = doc.declaration.as_ref()?;
    let parts: Vec<(String, f64)> = decl
        .materials
        .iter()
        .filter_map(|m| {
            let cm = m.mass.as_ref()?;
            let g = attest_rules::units::to_grams(cm.value, &cm.unit)?;
            Some((m.name.value.clone(), g))
        })
        .collect();
    let sum: f64 = parts.iter().map(|(_, g)| g).sum();
    (sum > 0.0).then(|| parts.into_iter().map(|(n, g)| (n, g / sum)).collect())
}

fn shares(map: BTreeMap<String, f64>, total: f64) -> Vec<Share> {
    let mut v: Vec<Share> = map
        .into_iter()
        .map(|(key, mass_g)| Share {
            key,
            mass_g: round(mass_g),
            share: if total > 0.0 {
                round(mass_g / total)
            } else {
                0.0
            },
        })
        .collect();
    v.sort_by(|a, b| b.mass_g.total_cmp(&a.mass_g).then(a.key.cmp(&b.key)));
    v
}

fn totals(engine: &Engine, lines: &[BomLine]) -> BomTotals {
    let mut by_status: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_material: BTreeMap<String, f64> = BTreeMap::new();
    let mut by_origin: BTreeMap<String, f64> = BTreeMap::new();
    let (mut mass, mut with_mass) = (0.0f64, 0usize);
    let (mut covered, mut recycled) = (0.0f64, 0.0f64);
    for l in lines {
        let status = serde_json::to_value(l.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        *by_status.entry(status).or_default() += 1;
        let Some(g) = l.line_mass_g else {
            continue;
        };
        mass += g;
        with_mass += 1;
        match material_split(engine, l) {
            Some(split) => {
                for (name, frac) in split {
                    *by_material.entry(name).or_default() += g * frac;
                }
            }
            None => *by_material.entry("unattributed".into()).or_default() += g,
        }
        let f = &l.extraction.fields;
        if f.origin.is_empty() {
            *by_origin.entry("unknown".into()).or_default() += g;
        } else {
            let each = g / f.origin.len() as f64;
            for o in &f.origin {
                *by_origin.entry(o.country.clone()).or_default() += each;
            }
        }
        if let Some(r) = f
            .recycled_content
            .iter()
            .filter(|r| r.scope == crate::extract::Scope::Product)
            .max_by(|a, b| a.confidence.total_cmp(&b.confidence))
        {
            covered += g;
            recycled += g * r.percent.clamp(0.0, 100.0) / 100.0;
        }
    }
    let mut weakest: Vec<&BomLine> = lines.iter().collect();
    weakest.sort_by(|a, b| {
        a.confidence
            .total_cmp(&b.confidence)
            .then(a.line.cmp(&b.line))
    });
    BomTotals {
        lines: lines.len(),
        lines_with_mass: with_mass,
        mass_g: round(mass),
        by_status,
        mass_by_material: shares(by_material, mass),
        recycled: RecycledShare {
            covered_mass_g: round(covered),
            recycled_mass_g: round(recycled),
            share_of_covered: (covered > 0.0).then(|| round(recycled / covered)),
        },
        origin_by_mass: shares(by_origin, mass),
        weakest_lines: weakest.iter().take(20).map(|l| l.line.clone()).collect(),
    }
}

/// The result as CSV: one row per line with its values, units, confidence
/// and first citation, then the totals as `#`-prefixed rows.
pub fn to_csv(r: &BomResult) -> String {
    fn cell(s: &str) -> String {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_owned()
        }
    }
    let mut out = String::from(
        "line,part,quantity,status,unit_mass_g,line_mass_g,materials,origin,recycled_percent,confidence,document_id,page,quote\n",
    );
    for l in &r.lines {
        let f = &l.extraction.fields;
        let first = f
            .mass
            .as_ref()
            .and_then(|m| m.citations.first())
            .or_else(|| f.materials.first().and_then(|m| m.citations.first()))
            .or_else(|| f.origin.first().and_then(|m| m.citations.first()));
        let materials: Vec<&str> = f.materials.iter().map(|m| m.name.as_str()).collect();
        let origin: Vec<&str> = f.origin.iter().map(|o| o.country.as_str()).collect();
        let recycled = f
            .recycled_content
            .iter()
            .filter(|r| r.scope == crate::extract::Scope::Product)
            .map(|r| r.percent.to_string())
            .next()
            .unwrap_or_default();
        let row = [
            cell(&l.line),
            cell(&l.part),
            l.quantity.to_string(),
            serde_json::to_value(l.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            f.mass
                .as_ref()
                .map(|m| m.grams.to_string())
                .unwrap_or_default(),
            l.line_mass_g.map(|g| g.to_string()).unwrap_or_default(),
            cell(&materials.join("; ")),
            cell(&origin.join("; ")),
            recycled,
            format!("{:.3}", l.confidence),
            first.map(|c| cell(&c.document_id)).unwrap_or_default(),
            first.map(|c| c.page.to_string()).unwrap_or_default(),
            first.map(|c| cell(&c.quote)).unwrap_or_default(),
        ];
        out.push_str(&row.join(","));
        out.push('\n');
    }
    let t = &r.totals;
    out.push_str(&format!(
        "# total_mass_g,{},lines_with_mass,{},lines,{}\n",
        t.mass_g, t.lines_with_mass, t.lines
    ));
    for s in &t.mass_by_material {
        out.push_str(&format!(
            "# material,{},{},{}\n",
            cell(&s.key),
            s.mass_g,
            s.share
        ));
    }
    for s in &t.origin_by_mass {
        out.push_str(&format!(
            "# origin,{},{},{}\n",
            cell(&s.key),
            s.mass_g,
            s.share
        ));
    }
    out
}
