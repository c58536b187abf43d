//! Structured declarations (IPC-1752A XML): values read from the tree,
//! cited at the spans the parser recorded.

use super::{Candidate, Candidates, cite_chars};
use crate::document::Document;
use crate::text::CharIndex;

pub(super) fn candidates(doc: &Document, idx: &CharIndex, out: &mut Candidates) {
    let Some(decl) = &doc.declaration else { return };
    if let Some(total) = &decl.total_mass
        && let Some(grams) = attest_rules::units::to_grams(total.value, &total.unit)
    {
        out.mass.push(Candidate {
            value: (grams, total.value, total.unit.clone()),
            citations: vec![cite_chars(doc, idx, total.span)],
            confidence: 1.0,
            extractor: "declaration:total".into(),
        });
    }
    for o in &decl.origin {
        if let Some(code) = attest_rules::country::to_alpha2(&o.value) {
            out.origin.push(Candidate {
                value: code.to_owned(),
                citations: vec![cite_chars(doc, idx, o.span)],
                confidence: 0.95,
                extractor: "declaration:origin".into(),
            });
        }
    }
    for m in &decl.materials {
        out.materials.push(Candidate {
            value: m.name.value.to_lowercase(),
            citations: vec![cite_chars(doc, idx, m.name.span)],
            confidence: 0.95,
            extractor: "declaration:material".into(),
        });
    }
}
