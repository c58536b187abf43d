//! Structured declarations (IPC-1752A XML): values read from the tree,
//! cited at the spans the parser recorded. The mass is the declared total;
//! a declaration that states none but gives every homogeneous material's
//! mass answers with their sum, marked derived and citing each part.
//!
//! A declaration without a tree (a PDF or web page whose table came out as
//! a run of words) gets its total from its own arithmetic
//! ([`attest_rules::balance`]): the number its parts add up to and their
//! printed shares agree on, cited with the mass column's unit.

use super::candidate::{Candidate, DocContext, Source, Value};
use super::cite_chars;
use super::cite;
use crate::document::{Declaration, Document, DocumentKind};
use crate::text::CharIndex;

/// Confidence of a total the declaration's sums and shares confirm: above
/// a label read across a flattened table, which may sit next to a part's
/// mass instead.
const BALANCED_CONFIDENCE: f32 = 0.92;

/// Confidence of a mass added up from the parts: every part is stated, but
/// the sum is not.
const DERIVED_CONFIDENCE: f32 = 0.8;

pub(super) struct Declarations;

impl Source for Declarations {
    fn candidates(&self, ctx: &DocContext<'_>, out: &mut Vec<Candidate>) {
        let (doc, idx) = (ctx.doc, ctx.idx);
        let Some(decl) = &doc.declaration else {
            if doc.meta.kind == Some(DocumentKind::Declaration) && doc.sheet.is_none() {
                balanced_total(doc, idx, out);
            }
            return;
        };
        if let Some(total) = &decl.total_mass
            && let Some(grams) = attest_rules::units::to_grams(total.value, &total.unit)
        {
            out.push(Candidate::new(
                Value::mass(grams, total.value, total.unit.clone()),
                vec![cite_chars(doc, idx, total.span)],
                1.0,
                "declaration:total",
            ));
        } else if let Some(c) = sum_of_materials(doc, idx, decl) {
            out.push(c);
        }
        for o in &decl.origin {
            if let Some(code) = attest_rules::country::to_alpha2(&o.value) {
                out.push(Candidate::new(
                    Value::origin(code, Vec::new()),
                    vec![cite_chars(doc, idx, o.span)],
                    0.95,
                    "declaration:origin",
                ));
            }
        }
        for m in &decl.materials {
            out.push(Candidate::new(
                Value::Material(m.name.value.to_lowercase()),
                vec![cite_chars(doc, idx, m.name.span)],
                0.95,
                "declaration:material",
            ));
        }
    }
}

/// The total a flattened declaration's arithmetic confirms, cited at its
/// number and at the unit of the mass column's header.
fn balanced_total(doc: &Document, idx: &CharIndex, out: &mut Vec<Candidate>) {
    let Some(t) = attest_rules::balance::balanced_total(&doc.text) else {
        return;
    };
    let Some(grams) = attest_rules::units::to_grams(t.value, &t.unit) else {
        return;
    };
    out.push(Candidate::new(
        Value::mass(grams, t.value, t.unit),
        vec![cite(doc, idx, t.number), cite(doc, idx, t.unit_span)],
        BALANCED_CONFIDENCE,
        "declaration:balanced_total",
    ));
}

/// The sum of the homogeneous materials' masses, when there are at least
/// two and every one states its mass: in the materials' unit when they
/// share one, otherwise in grams.
fn sum_of_materials(doc: &Document, idx: &CharIndex, decl: &Declaration) -> Option<Candidate> {
    if decl.materials.len() < 2 {
        return None;
    }
    let masses: Vec<_> = decl
        .materials
        .iter()
        .map(|m| m.mass.as_ref())
        .collect::<Option<_>>()?;
    let grams: f64 = masses
        .iter()
        .map(|m| attest_rules::units::to_grams(m.value, &m.unit))
        .sum::<Option<f64>>()?;
    let one_unit = masses.windows(2).all(|w| w[0].unit == w[1].unit);
    let (value, unit) = match masses.first() {
        Some(m) if one_unit => (masses.iter().map(|m| m.value).sum(), m.unit.clone()),
        _ => (grams, "g".to_owned()),
    };
    Some(Candidate::new(
        Value::Mass {
            grams,
            value,
            unit,
            derived: true,
        },
        masses
            .iter()
            .map(|m| cite_chars(doc, idx, m.span))
            .collect(),
        DERIVED_CONFIDENCE,
        "declaration:sum_of_materials",
    ))
}
