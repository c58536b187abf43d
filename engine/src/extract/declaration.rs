//! Structured declarations (IPC-1752A XML): values read from the tree,
//! cited at the spans the parser recorded.

use super::candidate::{Candidate, DocContext, Source, Value};
use super::cite_chars;

pub(super) struct Declarations;

impl Source for Declarations {
    fn candidates(&self, ctx: &DocContext<'_>, out: &mut Vec<Candidate>) {
        let (doc, idx) = (ctx.doc, ctx.idx);
        let Some(decl) = &doc.declaration else { return };
        if let Some(total) = &decl.total_mass
            && let Some(grams) = attest_rules::units::to_grams(total.value, &total.unit)
        {
            out.push(Candidate::new(
                Value::Mass {
                    grams,
                    value: total.value,
                    unit: total.unit.clone(),
                },
                vec![cite_chars(doc, idx, total.span)],
                1.0,
                "declaration:total",
            ));
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
