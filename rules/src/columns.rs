//! Material declarations read by their columns.
//!
//! A declaration table has a part column ("Subpart", "Component"), a
//! material column ("Material group", "Homogeneous material") and a
//! substance column left of its CAS numbers. Web pages and some PDF
//! renderings glue the cells of a row together ("Lead FrameCopper
//! alloyCopper (Cu)7440-50-8"); a cell then ends where a lower-case letter
//! or a closing bracket meets a capital or a digit, or at a tab or a gap of
//! two spaces. A row's cells are read right-aligned to the header, since a
//! row prints its part and material only where they change.
//!
//! Reported at homogeneous-material level, not substance level:
//! - the part, where the part names a material ("Mould Compound",
//!   "Adhesive"): its rows are that material's ingredients (filler,
//!   hardener, pigment);
//! - otherwise each material cell that names a material ("Copper alloy",
//!   "Doped silicon");
//! - otherwise, for a material cell that names no ingredient role ("Pure
//!   metal layer"), the material of its substances ("Silver (Ag)").

use crate::MaterialFinding;
use crate::materials::{push, regulatory};
use crate::util::lazy_re;
use crate::vocab::{self, Class};

lazy_re!(
    PART_HEAD,
    r"(?i)^(?:sub[ \t\-]?parts?|parts?|components?|sub[ \t\-]?components?|articles?|items?|part[ \t]+names?|component[ \t]+names?)$"
);
lazy_re!(
    MATERIAL_HEAD,
    r"(?i)^(?:material[ \t]+groups?|homogeneous[ \t]+materials?(?:[ \t]+names?)?|materials?(?:[ \t]+names?)?|material[ \t]+class)$"
);
lazy_re!(SUBSTANCE_HEAD, r"(?i)^substances?(?:[ \t]+names?)?$");
lazy_re!(
    CAS_HEAD,
    r"(?i)^cas(?:[ \t\-]*(?:numbers?|no\.?|nr\.?|#|rn))?$"
);
// what a CAS column holds when the number is withheld
lazy_re!(
    WITHHELD,
    r"(?i)(?:proprietary|confidential|trade[ \t]+secret|not[ \t]+disclosed|(?-u:\b)n/a(?-u:\b))"
);
// a CAS number whose mass cell may follow with no gap ("7440-22-40.28475")
lazy_re!(GLUED_CAS, r"\d{2,7}-\d{2}-\d");
lazy_re!(TOTAL_ROW, r"(?i)^\s*(?:sub[ \t]?)?total");

/// Ingredient roles of a mixture: a material cell holding one of these
/// names what the ingredient does, not what the part is made of.
const ROLES: &[&str] = &[
    "filler",
    "polymer",
    "hardener",
    "pigment",
    "additive",
    "flame retardant",
    "active agent",
    "resin",
    "resin system",
    "catalyst",
    "accelerator",
    "solvent",
    "binder",
    "plasticizer",
    "plasticiser",
    "stabilizer",
    "stabiliser",
    "coupling agent",
    "curing agent",
    "modifier",
    "colorant",
    "colourant",
    "other",
    "others",
];

/// Rows read after a header at most.
const MAX_ROWS: usize = 80;

/// The cells of a (possibly glued) row, as byte ranges of `line`.
pub(crate) fn glued_cells(line: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut prev: Option<char> = None;
    let mut iter = line.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        let gap = c == '\t' || (c == ' ' && iter.peek().is_some_and(|&(_, n)| n == ' '));
        if gap {
            if !line[start..i].trim().is_empty() {
                out.push((start, i));
            }
            while iter.peek().is_some_and(|&(_, n)| n == ' ' || n == '\t') {
                iter.next();
            }
            start = iter.peek().map_or(line.len(), |&(j, _)| j);
            prev = None;
            continue;
        }
        let glued = prev.is_some_and(|p| {
            (p.is_lowercase() && (c.is_uppercase() || c.is_ascii_digit()))
                || (p == ')' && c.is_uppercase())
        });
        if glued && i > start {
            out.push((start, i));
            start = i;
        }
        prev = Some(c);
    }
    if !line[start..].trim().is_empty() {
        out.push((start, line.len()));
    }
    out.into_iter()
        .map(|(s, e)| {
            let cell = &line[s..e];
            let lead = cell.len() - cell.trim_start().len();
            (s + lead, s + cell.trim_end().len())
        })
        .filter(|(s, e)| s < e)
        .collect()
}

#[derive(Clone, Copy, PartialEq)]
enum Col {
    Part,
    Material,
    Substance,
    Other,
}

/// The header's columns left of its CAS column, or `None` when the line is
/// not a declaration header with a part or material column.
fn header(line: &str) -> Option<Vec<Col>> {
    let (Some(part), Some(mat), Some(sub), Some(cas)) = (
        PART_HEAD.as_ref(),
        MATERIAL_HEAD.as_ref(),
        SUBSTANCE_HEAD.as_ref(),
        CAS_HEAD.as_ref(),
    ) else {
        return None;
    };
    let mut cols = Vec::new();
    for (s, e) in glued_cells(line) {
        let cell = line[s..e].trim();
        if cas.is_match(cell) {
            let ok = cols.contains(&Col::Substance)
                && (cols.contains(&Col::Material) || cols.contains(&Col::Part));
            return ok.then_some(cols);
        }
        cols.push(if part.is_match(cell) {
            Col::Part
        } else if mat.is_match(cell) {
            Col::Material
        } else if sub.is_match(cell) {
            Col::Substance
        } else {
            Col::Other
        });
        if cols.len() > 6 {
            return None;
        }
    }
    None
}

/// The end of a row's name cells: the start of its CAS number or of the
/// word that stands in for one.
fn names_end(line: &str) -> Option<usize> {
    let cas = GLUED_CAS
        .as_ref()?
        .find_iter(line)
        .find(|m| crate::materials::cas_checksum_ok(m.as_str()))
        .map(|m| m.start());
    let withheld = WITHHELD.as_ref()?.find(line).map(|m| m.start());
    match (cas, withheld) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn is_role(cell: &str) -> bool {
    let l = cell.trim().to_lowercase();
    ROLES.contains(&l.as_str())
}

/// Word-class vocabulary hits of the cell `s..e` of a row starting at byte
/// `row` of the text, in text offsets; negated and regulatory cells give
/// none.
fn cell_hits(line: &str, row: usize, s: usize, e: usize) -> Vec<vocab::Hit> {
    let cell = &line[s..e];
    if regulatory(cell) {
        return Vec::new();
    }
    vocab::scan(cell, false, false)
        .into_iter()
        .filter(|h| h.class == Class::Word && !vocab::negated(cell, h.start, h.end))
        .map(|h| vocab::Hit {
            start: row + s + h.start,
            end: row + s + h.end,
            ..h
        })
        .collect()
}

fn emit(
    found: &mut Vec<MaterialFinding>,
    base: usize,
    text: &str,
    quote_start: usize,
    hits: &[vocab::Hit],
    rule: &'static str,
) {
    for h in hits {
        push(found, base, text, quote_start, h, 0.75, rule);
    }
}

/// Reads every declaration table of `text`; `false` when there is none, or
/// none of its rows names a material, so that the caller falls back.
pub(crate) fn declaration_columns(text: &str, base: usize, out: &mut Vec<MaterialFinding>) -> bool {
    let lines: Vec<(usize, usize)> = crate::materials::line_spans(text);
    let mut found = Vec::new();
    let mut idx = 0;
    while idx < lines.len() {
        let (ls, le) = lines[idx];
        idx += 1;
        let Some(cols) = text.get(ls..le).and_then(header) else {
            continue;
        };
        // the part whose rows are being read, and whether it named a material
        let mut part_is_material = false;
        let mut rows = 0;
        while idx < lines.len() && rows < MAX_ROWS {
            let (rs, re) = lines[idx];
            let Some(line) = text.get(rs..re) else { break };
            if line.trim().is_empty() {
                idx += 1;
                continue;
            }
            if text.get(rs..re).and_then(header).is_some() {
                break;
            }
            idx += 1;
            rows += 1;
            if TOTAL_ROW.as_ref().is_some_and(|r| r.is_match(line)) {
                continue;
            }
            let Some(end) = names_end(line) else {
                // a row with no CAS cell ends the table
                break;
            };
            let cells = glued_cells(&line[..end]);
            if cells.is_empty() || cells.len() > cols.len() {
                continue;
            }
            let offset = cols.len() - cells.len();
            let col_of = |k: usize| cols[offset + k];
            let mut material_cell: Option<(usize, usize)> = None;
            let mut substance_cells = Vec::new();
            for (k, &(s, e)) in cells.iter().enumerate() {
                match col_of(k) {
                    Col::Part => {
                        let hits = cell_hits(line, rs, s, e);
                        part_is_material = !hits.is_empty();
                        emit(&mut found, base, text, rs + s, &hits, "declaration_part");
                    }
                    Col::Material => material_cell = Some((s, e)),
                    Col::Substance => substance_cells.push((s, e)),
                    Col::Other => {}
                }
            }
            if part_is_material {
                continue;
            }
            let Some((ms, me)) = material_cell else {
                continue;
            };
            let mut hits = cell_hits(line, rs, ms, me);
            if hits.is_empty() && !is_role(&line[ms..me]) {
                for &(s, e) in &substance_cells {
                    hits.extend(cell_hits(line, rs, s, e));
                }
            }
            emit(&mut found, base, text, rs, &hits, "declaration_material");
        }
    }
    if found.is_empty() {
        return false;
    }
    out.extend(found);
    true
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn cells(line: &str) -> Vec<&str> {
        glued_cells(line)
            .into_iter()
            .map(|(s, e)| &line[s..e])
            .collect()
    }

    #[test]
    fn glued_cells_split_where_a_capital_follows_a_lower_case_letter() {
        assert_eq!(
            cells("Lead FrameCopper alloyCopper (Cu)"),
            ["Lead Frame", "Copper alloy", "Copper (Cu)"]
        );
        assert_eq!(
            cells("SubpartMaterial groupSubstancesCAS numberMass(mg)"),
            [
                "Subpart",
                "Material group",
                "Substances",
                "CAS number",
                "Mass(mg)"
            ]
        );
        assert_eq!(
            cells("Mold compound\tFiller  Silica fused"),
            ["Mold compound", "Filler", "Silica fused"]
        );
        // brackets and formulas inside a cell stay whole
        assert_eq!(
            cells("Magnesium Hydroxide (Mg(OH)2)"),
            ["Magnesium Hydroxide (Mg(OH)2)"]
        );
    }

    fn names(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        assert!(declaration_columns(text, 0, &mut out) || out.is_empty());
        for f in &out {
            // every quote is the document's own text around the name
            assert!(vocab::mentions(
                &text[f.evidence.start..f.evidence.end],
                &f.name
            ));
        }
        let mut n: Vec<String> = out.into_iter().map(|f| f.name).collect();
        n.dedup();
        n
    }

    const GLUED: &str = "Type numberPackageTotal product weight\n\
        SubpartMaterial groupSubstancesCAS numberMass(mg)Mass(%) of subpart\n\
        AdhesiveFillerSilver (Ag)7440-22-40.2847585.00000\n\
        PolymerResin systemProprietary0.0502515.00000\n\
        subTotal0.33500100.00000\n\
        DieDoped siliconSilicon (Si)7440-21-30.45000100.00000\n\
        Lead FrameCopper alloyCopper (Cu)7440-50-817.3758799.41000\n\
        Iron (Fe)7439-89-60.026220.15000\n\
        Pure metal layerSilver (Ag)7440-22-40.069920.40000\n\
        Mould CompoundFillerSilica fused60676-86-022.4214086.15000\n\
        PigmentCarbon black1333-86-40.049450.19000\n\
        PolymerEpoxy resin systemProprietary2.256458.67000\n\
        Copyright 2024\n";

    #[test]
    fn glued_declarations_give_homogeneous_materials() {
        assert_eq!(
            names(GLUED),
            [
                "adhesive",
                "silicon",
                "copper alloy",
                "silver",
                "molding compound"
            ]
        );
    }

    #[test]
    fn a_table_with_cells_in_columns_reads_the_same_way() {
        let text = "Component\tHomogeneous material\tSubstance\tCAS No.\tMass (mg)\n\
            Terminal\tPhosphor bronze\tCopper\t7440-50-8\t12.1\n\
            \t\tTin\t7440-31-5\t0.6\n\
            Housing\tFiller\tGlass fibre\t65997-17-3\t3.2\n";
        // the housing's only material cell is an ingredient role: nothing
        // is guessed for it
        assert_eq!(names(text), ["phosphor bronze"]);
    }

    #[test]
    fn no_header_no_reading() {
        let text = "Lead FrameCopper alloyCopper (Cu)7440-50-817.37587\n";
        assert!(names(text).is_empty());
        // a header without a CAS column is not a declaration's
        let text = "Subpart\tMaterial group\tSubstances\tMass\nDie\tDoped silicon\tSilicon\t0.4\n";
        assert!(names(text).is_empty());
    }
}
