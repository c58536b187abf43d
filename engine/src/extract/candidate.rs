//! The one candidate type every source produces, and the source trait.
//!
//! A source (the rules, tables and sheets read by column, structured
//! declarations, the language model) turns a document into candidates: a
//! value of one field, the citations it was read from, a confidence and the
//! extractor's name. Everything after that is shared: ownership by subject,
//! the learned scorer, verification against the document text and
//! reconciliation into the wire types. A new field is a new [`Value`]
//! variant (with its key, its support check and its wire type); a new
//! source is a new [`Source`].

use std::ops::Range;

use super::verify::{country_supported, material_supported, quote_has_number};
use super::{Citation, Field, OriginRole, Scope};
use crate::document::Document;
use crate::text::CharIndex;

/// A value of one field, as a source read it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) enum Value {
    /// `value` `unit` as written, `grams` normalised. `derived`: no
    /// citation states it; it is the sum of the masses its citations state
    /// (a declaration's homogeneous materials).
    Mass {
        grams: f64,
        value: f64,
        unit: String,
        derived: bool,
    },
    /// ISO 3166-1 alpha-2, and the stages of making the product placed
    /// there (empty when none is named).
    Origin {
        country: String,
        roles: Vec<OriginRole>,
    },
    /// Canonical material name.
    Material(String),
    Recycled {
        /// `None` for the whole product (or, scoped to the packaging,
        /// "packaging" / "<material> packaging").
        material: Option<String>,
        percent: f64,
        /// `post_consumer`, `pre_consumer` or `unspecified`.
        kind: String,
        scope: Scope,
    },
}

impl Value {
    /// An origin with the stages a label, header or verb names
    /// ([`attest_rules::origin_roles`]).
    pub fn origin(country: &str, roles: Vec<OriginRole>) -> Self {
        Value::Origin {
            country: country.to_owned(),
            roles,
        }
    }

    pub fn field(&self) -> Field {
        match self {
            Value::Mass { .. } => Field::Mass,
            Value::Origin { .. } => Field::Origin,
            Value::Material(_) => Field::Materials,
            Value::Recycled { .. } => Field::RecycledContent,
        }
    }

    /// Values with the same key state the same fact and merge (masses
    /// instead group when they agree within 2%).
    pub fn key(&self) -> String {
        match self {
            Value::Mass { grams, .. } => format!("{grams}"),
            // One country is one fact; the stages each statement names are
            // joined when they merge.
            Value::Origin { country, .. } => country.clone(),
            Value::Material(m) => m.to_lowercase(),
            Value::Recycled {
                material,
                percent,
                scope,
                ..
            } => format!(
                "{}|{}|{scope:?}",
                material.as_deref().unwrap_or_default().to_lowercase(),
                (percent * 100.0).round() as i64
            ),
        }
    }

    /// A mass as a single statement gives it.
    pub fn mass(grams: f64, value: f64, unit: impl Into<String>) -> Self {
        Value::Mass {
            grams,
            value,
            unit: unit.into(),
            derived: false,
        }
    }

    /// Whether a quote states this value: the number (and, for a mass,
    /// nothing else is required: its unit may sit in a header cited next),
    /// the country, the material.
    pub fn supported_by(&self, quote: &str) -> bool {
        match self {
            Value::Mass { value, .. } => quote_has_number(quote, *value),
            Value::Origin { country, .. } => country_supported(quote, country),
            Value::Material(name) => material_supported(quote, name),
            Value::Recycled { percent, .. } => quote_has_number(quote, *percent),
        }
    }

    /// Whether the value is possible at all (a positive mass, a share of
    /// at most 100%).
    pub fn plausible(&self) -> bool {
        match self {
            Value::Mass { grams, .. } => grams.is_finite() && *grams > 0.0,
            Value::Recycled { percent, .. } => *percent > 0.0 && *percent <= 100.0,
            Value::Origin { .. } | Value::Material(_) => true,
        }
    }

    /// A short description, for runners-up and the learned scorer.
    pub fn describe(&self) -> String {
        match self {
            Value::Mass {
                grams, value, unit, ..
            } => format!("{value} {unit} ({grams} g)"),
            Value::Origin { country, .. } => country.clone(),
            Value::Material(m) => m.clone(),
            Value::Recycled {
                material, percent, ..
            } => format!("{percent}% {}", material.as_deref().unwrap_or_default()),
        }
    }
}

/// A candidate before reconciliation, with spans already in code points.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Candidate {
    pub value: Value,
    pub citations: Vec<Citation>,
    pub confidence: f32,
    pub extractor: String,
}

impl Candidate {
    pub fn new(
        value: Value,
        citations: Vec<Citation>,
        confidence: f32,
        extractor: impl Into<String>,
    ) -> Self {
        Self {
            value,
            citations,
            confidence,
            extractor: extractor.into(),
        }
    }
}

/// What a source reads: one document, the regions of it about the
/// subject (a spreadsheet's rows; otherwise the whole text), and the
/// subject asked about.
pub(crate) struct DocContext<'a> {
    pub doc: &'a Document,
    pub idx: &'a CharIndex,
    pub regions: &'a [Range<usize>],
    pub subject: Option<&'a str>,
}

/// A deterministic source of candidates. Implementations append what the
/// document states inside `ctx.regions`, each value with citations whose
/// first one holds it; they never panic on any document and are cheap
/// enough to run per request.
pub(crate) trait Source: Sync {
    fn candidates(&self, ctx: &DocContext<'_>, out: &mut Vec<Candidate>);
}
