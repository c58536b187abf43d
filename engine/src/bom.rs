//! Bill-of-materials roll-up: each line's part is extracted like any
//! subject (`/v1/extract`, citations verified), the line mass is quantity ×
//! unit mass, and the totals say how much of the product they cover: mass
//! by material (split where a declaration gives the part's materials with
//! their masses, `unattributed` otherwise), the mass-weighted recycled share
//! over the mass it covers, and origin by share of mass.

use std::collections::{BTreeMap, HashMap};

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use crate::extract::Extractors;
use crate::extract::{ExtractError, ExtractRequest, ExtractResponse, Field, Mode, extract};
use crate::library::Engine;
use crate::text::fold_key;
use crate::xlsx::{Cell, Sheet};

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

impl LineStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LineStatus::Found => "found",
            LineStatus::Partial => "partial",
            LineStatus::NotFound => "not_found",
            LineStatus::Ambiguous => "ambiguous",
        }
    }
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

pub(crate) fn validate(req: &BomRequest) -> Result<(), BomError> {
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

/// Extracts every line (a few parts at once) and rolls the BOM up.
pub async fn roll_up(
    engine: &Engine,
    x: &Extractors,
    tenant: &str,
    request_id: &str,
    req: &BomRequest,
) -> Result<BomResult, BomError> {
    roll_up_with_progress(engine, x, tenant, request_id, req, |_| {}).await
}

/// [`roll_up`], calling `progress` with the number of lines answered so
/// far. A part named on several lines is extracted once.
pub async fn roll_up_with_progress(
    engine: &Engine,
    x: &Extractors,
    tenant: &str,
    request_id: &str,
    req: &BomRequest,
    mut progress: impl FnMut(usize),
) -> Result<BomResult, BomError> {
    validate(req)?;
    // Distinct parts, in order of first appearance, and how many lines
    // name each.
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut parts: Vec<(String, usize)> = Vec::new();
    let line_part: Vec<usize> = req
        .lines
        .iter()
        .map(|l| {
            let part = l.part.trim().to_owned();
            let i = *index.entry(fold_key(&part)).or_insert_with(|| {
                parts.push((part, 0));
                parts.len() - 1
            });
            parts[i].1 += 1;
            i
        })
        .collect();
    let mode = req.mode;
    let work: Vec<(usize, ExtractRequest, usize)> = parts
        .iter()
        .enumerate()
        .map(|(i, (part, lines))| {
            let er = ExtractRequest {
                subject: Some(part.clone()),
                document_ids: None,
                fields: None,
                mode,
            };
            (i, er, *lines)
        })
        .collect();
    let mut answered = futures_util::stream::iter(work)
        .map(|(i, er, lines)| async move {
            (i, lines, extract(engine, x, tenant, request_id, &er).await)
        })
        .buffer_unordered(CONCURRENCY);
    let mut answers: Vec<Option<ExtractResponse>> = vec![None; parts.len()];
    let mut done = 0;
    while let Some((i, lines, answer)) = answered.next().await {
        answers[i] = Some(answer?);
        done += lines;
        progress(done);
    }
    let mut lines = Vec::with_capacity(req.lines.len());
    for (i, (l, p)) in req.lines.iter().zip(line_part).enumerate() {
        let Some(answer) = answers[p].clone() else {
            return Err(BomError::BadRequest(format!("line {}: no answer", i + 1)));
        };
        lines.push(line_of(i, l, answer));
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
            let missing: Vec<String> = x
                .not_found
                .iter()
                .map(|f| crate::review::field_name(*f).to_owned())
                .collect();
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
        *by_status.entry(l.status.as_str().to_owned()).or_default() += 1;
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

const LINE_COLUMNS: [&str; 14] = [
    "line",
    "part",
    "quantity",
    "status",
    "unit_mass_g",
    "line_mass_g",
    "materials",
    "origin",
    "recycled_percent",
    "confidence",
    "document_id",
    "page",
    "quote",
    "reasons",
];

/// One row per line: its values, units, confidence and first citation.
fn line_rows(r: &BomResult) -> Vec<Vec<Cell>> {
    r.lines
        .iter()
        .map(|l| {
            let f = &l.extraction.fields;
            let first = f
                .mass
                .as_ref()
                .and_then(|m| m.citations.first())
                .or_else(|| f.materials.first().and_then(|m| m.citations.first()))
                .or_else(|| f.origin.first().and_then(|m| m.citations.first()))
                .or_else(|| f.recycled_content.first().and_then(|m| m.citations.first()));
            let materials: Vec<&str> = f.materials.iter().map(|m| m.name.as_str()).collect();
            let origin: Vec<&str> = f.origin.iter().map(|o| o.country.as_str()).collect();
            let recycled = f
                .recycled_content
                .iter()
                .find(|r| r.scope == crate::extract::Scope::Product)
                .map(|r| r.percent);
            let nonempty = |s: String| (!s.is_empty()).then_some(s);
            vec![
                l.line.clone().into(),
                l.part.clone().into(),
                l.quantity.into(),
                l.status.as_str().into(),
                f.mass.as_ref().map(|m| m.grams).into(),
                l.line_mass_g.into(),
                nonempty(materials.join("; ")).into(),
                nonempty(origin.join("; ")).into(),
                recycled.into(),
                ((f64::from(l.confidence) * 1e3).round() / 1e3).into(),
                first.map(|c| c.document_id.clone()).into(),
                first.map(|c| f64::from(c.page)).into(),
                first.map(|c| c.quote.clone()).into(),
                nonempty(l.reasons.join("; ")).into(),
            ]
        })
        .collect()
}

/// The totals as rows of (what, key, mass in grams, share or count).
fn totals_rows(t: &BomTotals) -> Vec<Vec<Cell>> {
    let mut rows: Vec<Vec<Cell>> = vec![
        vec![
            "total_mass_g".into(),
            Cell::Empty,
            t.mass_g.into(),
            Cell::Empty,
        ],
        vec![
            "lines_with_mass".into(),
            Cell::Empty,
            Cell::Empty,
            (t.lines_with_mass as f64).into(),
        ],
        vec![
            "lines".into(),
            Cell::Empty,
            Cell::Empty,
            (t.lines as f64).into(),
        ],
    ];
    for (status, n) in &t.by_status {
        rows.push(vec![
            "status".into(),
            status.clone().into(),
            Cell::Empty,
            (*n as f64).into(),
        ]);
    }
    for s in &t.mass_by_material {
        rows.push(vec![
            "material".into(),
            s.key.clone().into(),
            s.mass_g.into(),
            s.share.into(),
        ]);
    }
    for s in &t.origin_by_mass {
        rows.push(vec![
            "origin".into(),
            s.key.clone().into(),
            s.mass_g.into(),
            s.share.into(),
        ]);
    }
    rows.push(vec![
        "recycled_covered_mass_g".into(),
        Cell::Empty,
        t.recycled.covered_mass_g.into(),
        Cell::Empty,
    ]);
    rows.push(vec![
        "recycled_mass_g".into(),
        Cell::Empty,
        t.recycled.recycled_mass_g.into(),
        t.recycled.share_of_covered.into(),
    ]);
    rows
}

fn csv_cell(c: &Cell) -> String {
    match c {
        Cell::Empty => String::new(),
        Cell::Number(v) => v.to_string(),
        Cell::Text(s) if s.contains([',', '"', '\n', '\r']) => {
            format!("\"{}\"", s.replace('"', "\"\""))
        }
        Cell::Text(s) => s.clone(),
    }
}

/// The result as CSV: one row per line with its values, units, confidence
/// and first citation, then the totals as `#`-prefixed rows.
pub fn to_csv(r: &BomResult) -> String {
    let mut out = LINE_COLUMNS.join(",");
    out.push('\n');
    let row = |cells: &[Cell]| cells.iter().map(csv_cell).collect::<Vec<_>>().join(",");
    for cells in line_rows(r) {
        out.push_str(&row(&cells));
        out.push('\n');
    }
    for cells in totals_rows(&r.totals) {
        out.push_str("# ");
        out.push_str(&row(&cells));
        out.push('\n');
    }
    out
}

/// The result as an XLSX workbook: a `lines` sheet (as the CSV) and a
/// `totals` sheet.
pub fn to_xlsx(r: &BomResult) -> std::io::Result<Vec<u8>> {
    let mut lines = vec![LINE_COLUMNS.iter().map(|c| Cell::from(*c)).collect()];
    lines.extend(line_rows(r));
    let mut totals = vec![vec![
        "what".into(),
        "key".into(),
        "mass_g".into(),
        "share_or_count".into(),
    ]];
    totals.extend(totals_rows(&r.totals));
    crate::xlsx::write(&[
        Sheet {
            name: "lines".into(),
            rows: lines,
        },
        Sheet {
            name: "totals".into(),
            rows: totals,
        },
    ])
}

/// Header names that mark a BOM file's columns (compared case-insensitively,
/// without punctuation).
const PART_HEADERS: &[&str] = &[
    "part",
    "part number",
    "part no",
    "partnumber",
    "mpn",
    "manufacturer part number",
    "mfr part number",
    "pn",
    "p n",
    "item",
    "item number",
    "component",
    "product",
];
const QUANTITY_HEADERS: &[&str] = &["qty", "quantity", "count", "pcs", "amount", "qty per"];
const LINE_HEADERS: &[&str] = &[
    "line",
    "ref",
    "reference",
    "designator",
    "refdes",
    "ref des",
    "pos",
    "position",
];
const UNIT_HEADERS: &[&str] = &["unit", "uom", "units"];
const DESCRIPTION_HEADERS: &[&str] = &["description", "desc", "name"];

fn header_key(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                ' '
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Column names given by the caller for a BOM file whose headers are not
/// recognised (any left `None` is found by its header).
#[derive(Debug, Clone, Default)]
pub struct ColumnNames {
    pub part: Option<String>,
    pub quantity: Option<String>,
}

/// Reads BOM lines from a CSV or XLSX file: the first row naming a part
/// column is the header; each later row with a part is a line.
pub fn lines_from_file(
    name: &str,
    bytes: &[u8],
    columns: &ColumnNames,
) -> Result<Vec<BomLineIn>, BomError> {
    let parsed = crate::parse::parse(name, bytes, &crate::parse::ParseLimits::default())
        .map_err(|e| BomError::BadRequest(format!("cannot read the BOM file: {e}")))?;
    let Some(sheet) = parsed.sheet.as_ref() else {
        return Err(BomError::BadRequest(
            "a BOM file is CSV or XLSX, with a header row".into(),
        ));
    };
    let idx = crate::text::CharIndex::new(&parsed.text);
    let rows: Vec<Vec<String>> = sheet
        .rows
        .iter()
        .map(|r| {
            r.cells
                .iter()
                .map(|c| parsed.text[idx.bytes(*c)].trim().to_owned())
                .collect()
        })
        .collect();
    let find = |row: &[String], given: &Option<String>, names: &[&str]| -> Option<usize> {
        match given {
            Some(g) => {
                let g = header_key(g);
                row.iter().position(|c| header_key(c) == g)
            }
            None => row
                .iter()
                .position(|c| names.contains(&header_key(c).as_str())),
        }
    };
    let (header_at, part_col) = rows
        .iter()
        .enumerate()
        .find_map(|(i, r)| find(r, &columns.part, PART_HEADERS).map(|c| (i, c)))
        .ok_or_else(|| {
            BomError::BadRequest(
                "no part column: name one \"Part Number\", \"MPN\", \"Part\" … or give part_column"
                    .into(),
            )
        })?;
    let header = &rows[header_at];
    let qty_col = find(header, &columns.quantity, QUANTITY_HEADERS);
    if columns.quantity.is_some() && qty_col.is_none() {
        return Err(BomError::BadRequest("no such quantity column".into()));
    }
    let line_col = find(header, &None, LINE_HEADERS).filter(|&c| c != part_col);
    let unit_col = find(header, &None, UNIT_HEADERS);
    let desc_col = find(header, &None, DESCRIPTION_HEADERS).filter(|&c| c != part_col);
    let header_sheet = &sheet.rows[header_at].sheet;
    let mut lines = Vec::new();
    for (i, r) in rows.iter().enumerate().skip(header_at + 1) {
        if &sheet.rows[i].sheet != header_sheet {
            break;
        }
        let cell = |c: Option<usize>| c.and_then(|c| r.get(c)).filter(|s| !s.is_empty());
        let Some(part) = cell(Some(part_col)) else {
            continue;
        };
        let quantity = match cell(qty_col) {
            None => None,
            Some(q) => {
                let q = if q.contains('.') {
                    q.replace(',', "")
                } else {
                    q.replace(',', ".")
                };
                Some(q.parse::<f64>().map_err(|_| {
                    BomError::BadRequest(format!(
                        "row {}: the quantity {q:?} is not a number",
                        sheet.rows[i].row
                    ))
                })?)
            }
        };
        lines.push(BomLineIn {
            line: cell(line_col).cloned(),
            part: part.clone(),
            quantity,
            unit: cell(unit_col).cloned(),
            description: cell(desc_col).cloned(),
        });
    }
    Ok(lines)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn bom_files_are_read_by_their_headers() {
        let csv = "Board BOM rev B\n\nRef Des,Description,MPN,Qty\nD1,Switching diode,1N4148,\"4\"\nK1,Relay,G5V-1,2\n,,,\nR1,Resistor,EPC-0603-10K,\"1,5\"\n";
        let lines = lines_from_file("bom.csv", csv.as_bytes(), &ColumnNames::default()).unwrap();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].part, "1N4148");
        assert_eq!(lines[0].line.as_deref(), Some("D1"));
        assert_eq!(lines[0].quantity, Some(4.0));
        assert_eq!(lines[0].description.as_deref(), Some("Switching diode"));
        assert_eq!(lines[2].quantity, Some(1.5));

        let odd = "Article;Menge\nG5V-1;2\n".replace(';', ",");
        assert!(lines_from_file("b.csv", odd.as_bytes(), &ColumnNames::default()).is_err());
        let given = ColumnNames {
            part: Some("Article".into()),
            quantity: Some("Menge".into()),
        };
        let lines = lines_from_file("b.csv", odd.as_bytes(), &given).unwrap();
        assert_eq!(
            (lines[0].part.as_str(), lines[0].quantity),
            ("G5V-1", Some(2.0))
        );

        let bad = "Part,Qty\nG5V-1,two\n";
        let e = lines_from_file("b.csv", bad.as_bytes(), &ColumnNames::default()).unwrap_err();
        assert!(e.to_string().contains("row 2"), "{e}");
        assert!(lines_from_file("b.txt", b"just text", &ColumnNames::default()).is_err());
    }
}
