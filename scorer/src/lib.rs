//! Learned scorer for extraction candidates.
//!
//! The deterministic extractors (rules over text, spreadsheet columns,
//! declaration files) propose candidate values for each field — mass,
//! country of origin, materials, recycled content — each with a citation
//! quote and the document text around it. Several candidates often compete
//! for one field: a part's weight next to its reel's, a country of assembly
//! next to a sales office. The scorer estimates, for every candidate, the
//! probability that it is the correct value; in the `model` extraction mode
//! that probability is the candidate's confidence and decides the ranking.
//!
//! # Model
//!
//! Logistic regression over a fixed vector of hand-designed features
//! ([`features`], named by [`feature_names`], versioned by
//! [`FEATURE_VERSION`]). Features are standardised with the training-set
//! mean and standard deviation stored in the model, so a weight reads as "log
//! odds per standard deviation" and [`Model::contributions`] explains a
//! score feature by feature. The model ships as a small JSON file
//! ([`Model::to_json`], [`Model::from_json`]); loading refuses a file whose
//! format, feature version, feature names or vector lengths do not match this
//! build, so a model can never be applied to features it was not trained on.
//!
//! # Features
//!
//! All computed from [`CandidateInput`] alone, cheap, and finite for any
//! input:
//! - the field (one-hot) and the extractor family (`rules`, `sheet`,
//!   `declaration`, `llm`), plus the rule's own confidence;
//! - cue words of the candidate's own field in the quote and in the text
//!   just before it (`weight`, `net`, `unit weight`, `重量`, `made in`,
//!   `assembled`, `原产`, `material`, `housing`, `lead frame`, `recycled`,
//!   `post-consumer`, `再生`, …), cues of another field in the quote, and
//!   qualifiers (`typical`, `approx.`, `total`, `net`);
//! - distractors near the candidate: packaging and shipping units, the word
//!   "package", per-quantity amounts (`per 1000`, `/reel`), limits and
//!   tolerances (`max`, `up to`, `±`), other physical quantities
//!   (temperature, voltage), emissions and footprints (`CO2e`), corporate
//!   goals (`our products`, `by 2030`, `target`) and comparisons
//!   (`compared to`, `reduced`);
//! - the value: mass unit or percent sign after a number in the quote,
//!   log10 of the normalised grams and whether that mass is implausible for
//!   a part (below 0.1 mg or above 50 kg), the recycled share as a fraction;
//! - the requested subject: proximity `exp(-distance/500)`, whether the
//!   subject was not found, whether another product is named in between;
//! - the document kind (one-hot) and where in the document the candidate
//!   sits;
//! - agreement: how many candidates share the value, as a count and as a
//!   share of the field's candidates, and `1/candidates`;
//! - the quote's shape: length, whether it holds a number, whether it is a
//!   table row.
//!
//! Cue matching is case-insensitive on whitespace-normalised text. Latin
//! terms match whole words only (`min` does not fire inside `aluminium`),
//! CJK terms match anywhere.
//!
//! # Training and evaluation
//!
//! [`train`] fits the model on labelled candidates ([`Example`]: feature
//! vector, correct or not, the document it came from, its field). It
//! minimises the summed log loss plus an L2 penalty on the weights by
//! Newton iterations with a backtracking line search; there is no
//! randomness, so the same data and [`TrainOptions`] give a bit-identical
//! model file. Classes are not reweighted, which keeps the output a
//! calibrated probability.
//!
//! Candidates of one document share their text and are strongly
//! correlated, so quality is measured by [`cross_validate`], which splits
//! by document: every document's candidates fall in one fold, and every
//! candidate's out-of-fold probability comes from a model that never saw its
//! document. The report gives log loss, accuracy, ROC AUC and top-1 accuracy
//! per candidate set (document × field), overall and per field. A training
//! command typically runs cross-validation, then trains on all examples and
//! stores the report with the model:
//!
//! ```
//! use attest_scorer::{Example, TrainOptions, cross_validate, train};
//!
//! # let examples: Vec<Example> = Vec::new();
//! let opts = TrainOptions::default();
//! let cv = cross_validate(&examples, 5, &opts);
//! let mut model = train(&examples, &opts);
//! model.training.cv = Some(cv.report);
//! let json = model.to_json();
//! # assert!(attest_scorer::Model::from_json(&json).is_ok());
//! ```

mod cv;
mod features;
mod model;

pub use cv::{
    CrossValidation, CvReport, FieldCv, SplitMix64, accuracy, assign_folds, auc, cross_validate,
    log_loss,
};
pub use features::{CandidateInput, FEATURE_VERSION, feature_names, features};
pub use model::{Example, MODEL_VERSION, Model, ScorerError, TrainOptions, TrainingInfo, train};

#[cfg(test)]
mod tests;
