//! The model file, scoring, and training (L2-regularised logistic
//! regression fitted by damped Newton iterations).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::cv::CvReport;
use crate::features::{CandidateInput, FEATURE_VERSION, feature_names, features};

/// Format version of the model file written by this build.
pub const MODEL_VERSION: &str = "scorer-1";

/// Ridge added to the Hessian diagonal so every Newton system is solvable.
const JITTER: f64 = 1e-9;
/// Newton iterations stop once the decrement per example falls below this.
const TOLERANCE: f64 = 1e-12;
/// Smallest step the backtracking line search tries.
const MIN_STEP: f64 = 1e-10;
/// Armijo sufficient-decrease constant.
const ARMIJO: f64 = 1e-4;

/// A trained scorer, as shipped in its JSON file.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Model {
    /// Model file format, [`MODEL_VERSION`].
    pub version: String,
    /// [`FEATURE_VERSION`] of the features the model was trained on.
    pub feature_version: String,
    /// [`feature_names`] at training time, in order.
    pub feature_names: Vec<String>,
    /// One weight per standardised feature.
    pub weights: Vec<f32>,
    pub bias: f32,
    /// Training-set mean of each feature.
    pub mean: Vec<f32>,
    /// Training-set standard deviation of each feature (1 where it is 0).
    pub scale: Vec<f32>,
    pub training: TrainingInfo,
}

/// How a model was trained.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct TrainingInfo {
    pub examples: usize,
    pub positives: usize,
    pub l2: f32,
    /// Maximum number of Newton iterations allowed.
    pub epochs: usize,
    pub seed: u64,
    /// Grouped cross-validation of the same data and options, when run.
    pub cv: Option<CvReport>,
    /// SHA-256 of the training data, filled in by the caller.
    pub data_sha256: Option<String>,
    /// Initial step of each Newton iteration.
    #[serde(default)]
    pub learning_rate: f32,
    /// Newton iterations actually run.
    #[serde(default)]
    pub iterations: usize,
    /// Mean log loss on the training set at the end of training.
    #[serde(default)]
    pub train_log_loss: f64,
}

/// One labelled candidate for training.
#[derive(Clone, Debug, PartialEq)]
pub struct Example {
    /// Feature vector from [`features`].
    pub x: Vec<f32>,
    /// Whether the candidate is correct.
    pub label: bool,
    /// Document id: cross-validation folds never split a group.
    pub group: String,
    /// Field of the candidate, for per-field reports.
    pub field: String,
}

/// Training options.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainOptions {
    /// L2 penalty on the weights (not the bias), added as `l2/2 · |w|²` to the
    /// summed log loss; 1.0 is a mild prior for a few hundred examples.
    pub l2: f32,
    /// Maximum number of Newton iterations; training usually converges in
    /// well under 30.
    pub epochs: usize,
    /// Initial step of each Newton iteration (1.0 is the full Newton step);
    /// the line search halves it until the loss decreases enough.
    pub learning_rate: f32,
    /// Seed for the fold assignment of cross-validation.
    pub seed: u64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            l2: 1.0,
            epochs: 100,
            learning_rate: 1.0,
            seed: 17,
        }
    }
}

/// Why a model file was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum ScorerError {
    /// The text is not a model file.
    Json(String),
    /// The file format is not the one this build reads.
    ModelVersion { expected: String, found: String },
    /// The model was trained on different feature definitions.
    FeatureVersion { expected: String, found: String },
    /// The model's feature names differ from this build's.
    FeatureNames {
        /// First position where they differ.
        index: usize,
        expected: Option<String>,
        found: Option<String>,
    },
    /// A per-feature vector has the wrong length.
    Length {
        what: &'static str,
        expected: usize,
        found: usize,
    },
    /// A parameter is not finite, or a scale is not positive.
    InvalidValue { what: &'static str, index: usize },
}

impl fmt::Display for ScorerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScorerError::Json(e) => {
                write!(f, "scorer model is not valid JSON for this format: {e}")
            }
            ScorerError::ModelVersion { expected, found } => write!(
                f,
                "scorer model format is {found:?}, this build reads {expected:?}"
            ),
            ScorerError::FeatureVersion { expected, found } => write!(
                f,
                "scorer model was trained on features {found:?}, this build computes {expected:?}; retrain the model"
            ),
            ScorerError::FeatureNames {
                index,
                expected,
                found,
            } => write!(
                f,
                "scorer model feature {index} is {found:?}, this build has {expected:?}; retrain the model"
            ),
            ScorerError::Length {
                what,
                expected,
                found,
            } => write!(
                f,
                "scorer model has {found} {what} values, expected {expected}"
            ),
            ScorerError::InvalidValue { what, index } => {
                write!(f, "scorer model {what}[{index}] is not a usable number")
            }
        }
    }
}

impl std::error::Error for ScorerError {}

impl Model {
    /// Probability (0..1) that the candidate is correct.
    pub fn score(&self, c: &CandidateInput) -> f32 {
        self.score_features(&features(c))
    }

    /// Probability (0..1) for a feature vector from [`features`]. A missing
    /// or non-finite entry counts as the training mean (no contribution);
    /// entries beyond the model's features are ignored.
    pub fn score_features(&self, x: &[f32]) -> f32 {
        sigmoid(self.logit(x)) as f32
    }

    /// Each feature's contribution to the logit (weight × standardised
    /// value), in feature order; the logit is their sum plus the bias.
    pub fn contributions(&self, x: &[f32]) -> Vec<f32> {
        (0..self.weights.len())
            .map(|j| self.contribution(j, x) as f32)
            .collect()
    }

    fn contribution(&self, j: usize, x: &[f32]) -> f64 {
        let (Some(w), Some(m), Some(s)) =
            (self.weights.get(j), self.mean.get(j), self.scale.get(j))
        else {
            return 0.0;
        };
        match x.get(j) {
            Some(v) if v.is_finite() => f64::from(*w) * standardise(*v, *m, *s),
            _ => 0.0,
        }
    }

    fn logit(&self, x: &[f32]) -> f64 {
        let mut z = f64::from(self.bias);
        for j in 0..self.weights.len() {
            z += self.contribution(j, x);
        }
        z
    }

    /// Reads a model file and checks that it fits this build: format
    /// version, feature version, feature names in order, vector lengths and
    /// finite parameters.
    pub fn from_json(s: &str) -> Result<Model, ScorerError> {
        let model: Model = serde_json::from_str(s).map_err(|e| ScorerError::Json(e.to_string()))?;
        model.check()?;
        Ok(model)
    }

    /// The model file: pretty-printed JSON with a fixed key order, so the
    /// same model always gives the same text.
    pub fn to_json(&self) -> String {
        // Serialising plain structs, vectors and a string-keyed BTreeMap
        // cannot fail.
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Checks that the model fits this build's features.
    pub fn check(&self) -> Result<(), ScorerError> {
        if self.version != MODEL_VERSION {
            return Err(ScorerError::ModelVersion {
                expected: MODEL_VERSION.to_owned(),
                found: self.version.clone(),
            });
        }
        if self.feature_version != FEATURE_VERSION {
            return Err(ScorerError::FeatureVersion {
                expected: FEATURE_VERSION.to_owned(),
                found: self.feature_version.clone(),
            });
        }
        let names = feature_names();
        let n = names.len().max(self.feature_names.len());
        for i in 0..n {
            let expected = names.get(i).copied();
            let found = self.feature_names.get(i).map(String::as_str);
            if expected != found {
                return Err(ScorerError::FeatureNames {
                    index: i,
                    expected: expected.map(str::to_owned),
                    found: found.map(str::to_owned),
                });
            }
        }
        for (what, v) in [
            ("weights", &self.weights),
            ("mean", &self.mean),
            ("scale", &self.scale),
        ] {
            if v.len() != names.len() {
                return Err(ScorerError::Length {
                    what,
                    expected: names.len(),
                    found: v.len(),
                });
            }
            if let Some(index) = v.iter().position(|x| !x.is_finite()) {
                return Err(ScorerError::InvalidValue { what, index });
            }
        }
        if let Some(index) = self.scale.iter().position(|s| *s <= 0.0) {
            return Err(ScorerError::InvalidValue {
                what: "scale",
                index,
            });
        }
        if !self.bias.is_finite() {
            return Err(ScorerError::InvalidValue {
                what: "bias",
                index: 0,
            });
        }
        Ok(())
    }
}

/// Fits the scorer: standardises the features with the training-set mean and
/// standard deviation, then minimises the summed log loss plus
/// `l2/2 · |w|²` by Newton iterations with a backtracking line search.
///
/// Each `x` should hold [`feature_names`]`().len()` values; shorter vectors
/// are padded with zeros, longer ones cut, non-finite values read as zero.
/// Classes are not reweighted, so the output stays a calibrated probability.
/// The computation has no randomness and a fixed order of operations: the
/// same examples and options always give a bit-identical model.
pub fn train(examples: &[Example], opts: &TrainOptions) -> Model {
    let d = feature_names().len();
    let n = examples.len();
    let rows: Vec<Vec<f32>> = examples
        .iter()
        .map(|e| {
            (0..d)
                .map(|j| match e.x.get(j) {
                    Some(v) if v.is_finite() => *v,
                    _ => 0.0,
                })
                .collect()
        })
        .collect();
    let labels: Vec<f64> = examples
        .iter()
        .map(|e| if e.label { 1.0 } else { 0.0 })
        .collect();
    let positives = examples.iter().filter(|e| e.label).count();

    let (mean, scale) = standardisation(&rows, d);
    let z: Vec<Vec<f64>> = rows
        .iter()
        .map(|r| {
            r.iter()
                .zip(mean.iter().zip(&scale))
                .map(|(v, (m, s))| standardise(*v, *m, *s))
                .collect()
        })
        .collect();

    let l2 = if opts.l2.is_finite() {
        f64::from(opts.l2.max(0.0))
    } else {
        0.0
    };
    let step0 = if opts.learning_rate.is_finite() && opts.learning_rate > 0.0 {
        f64::from(opts.learning_rate).min(1.0)
    } else {
        1.0
    };

    // Parameters: d weights, then the bias.
    let mut theta = vec![0.0f64; d + 1];
    if n > 0 {
        let p = (positives as f64 + 0.5) / (n as f64 + 1.0);
        theta[d] = (p / (1.0 - p)).ln();
    }
    let mut loss = objective(&z, &labels, &theta, l2);
    let mut iterations = 0;
    while iterations < opts.epochs && n > 0 {
        iterations += 1;
        let (grad, hess) = gradient_hessian(&z, &labels, &theta, l2);
        let Some(delta) = solve_spd(hess, &grad) else {
            break;
        };
        let decrement: f64 = grad.iter().zip(&delta).map(|(g, s)| g * s).sum();
        if !decrement.is_finite() || decrement <= TOLERANCE * n as f64 {
            break;
        }
        let mut t = step0;
        let mut accepted = false;
        while t >= MIN_STEP {
            let trial: Vec<f64> = theta.iter().zip(&delta).map(|(a, s)| a - t * s).collect();
            let trial_loss = objective(&z, &labels, &trial, l2);
            if trial_loss.is_finite() && trial_loss <= loss - ARMIJO * t * decrement {
                theta = trial;
                loss = trial_loss;
                accepted = true;
                break;
            }
            t *= 0.5;
        }
        if !accepted {
            break;
        }
    }

    let weights: Vec<f32> = theta[..d].iter().map(|w| *w as f32).collect();
    let bias = theta[d] as f32;
    let train_log_loss = if n > 0 {
        let unpenalised = objective(&z, &labels, &theta, 0.0);
        unpenalised / n as f64
    } else {
        0.0
    };
    Model {
        version: MODEL_VERSION.to_owned(),
        feature_version: FEATURE_VERSION.to_owned(),
        feature_names: feature_names().iter().map(|s| (*s).to_owned()).collect(),
        weights,
        bias,
        mean,
        scale,
        training: TrainingInfo {
            examples: n,
            positives,
            l2: opts.l2,
            epochs: opts.epochs,
            seed: opts.seed,
            cv: None,
            data_sha256: None,
            learning_rate: opts.learning_rate,
            iterations,
            train_log_loss,
        },
    }
}

/// Per-feature mean and standard deviation (population), stored as `f32`;
/// a constant feature gets scale 1.
fn standardisation(rows: &[Vec<f32>], d: usize) -> (Vec<f32>, Vec<f32>) {
    let n = rows.len();
    if n == 0 {
        return (vec![0.0; d], vec![1.0; d]);
    }
    let mut mean = Vec::with_capacity(d);
    let mut scale = Vec::with_capacity(d);
    for j in 0..d {
        let m = rows.iter().map(|r| f64::from(r[j])).sum::<f64>() / n as f64;
        let var = rows
            .iter()
            .map(|r| (f64::from(r[j]) - m).powi(2))
            .sum::<f64>()
            / n as f64;
        let sd = var.sqrt() as f32;
        mean.push(m as f32);
        scale.push(if sd.is_finite() && sd > 1e-6 { sd } else { 1.0 });
    }
    (mean, scale)
}

fn standardise(v: f32, mean: f32, scale: f32) -> f64 {
    (f64::from(v) - f64::from(mean)) / f64::from(scale)
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// `ln(1 + e^z)` without overflow.
fn softplus(z: f64) -> f64 {
    z.max(0.0) + (-z.abs()).exp().ln_1p()
}

fn linear(row: &[f64], theta: &[f64]) -> f64 {
    let d = row.len();
    row.iter().zip(&theta[..d]).map(|(x, w)| x * w).sum::<f64>() + theta[d]
}

/// Summed log loss plus `l2/2 · |w|²`.
fn objective(z: &[Vec<f64>], y: &[f64], theta: &[f64], l2: f64) -> f64 {
    let d = theta.len() - 1;
    let data: f64 = z
        .iter()
        .zip(y)
        .map(|(row, y)| {
            let s = linear(row, theta);
            softplus(s) - y * s
        })
        .sum();
    let penalty: f64 = theta[..d].iter().map(|w| w * w).sum::<f64>() * l2 / 2.0;
    data + penalty
}

/// Gradient and Hessian of [`objective`]; the Hessian is row-major
/// `(d+1)²`, with a small ridge so it is positive definite.
fn gradient_hessian(z: &[Vec<f64>], y: &[f64], theta: &[f64], l2: f64) -> (Vec<f64>, Vec<f64>) {
    let k = theta.len();
    let d = k - 1;
    let mut grad = vec![0.0; k];
    let mut hess = vec![0.0; k * k];
    let mut xi = vec![0.0; k];
    for (row, y) in z.iter().zip(y) {
        xi[..d].copy_from_slice(row);
        xi[d] = 1.0;
        let p = sigmoid(linear(row, theta));
        let r = p - y;
        let w = p * (1.0 - p);
        for a in 0..k {
            grad[a] += r * xi[a];
            let wa = w * xi[a];
            for b in a..k {
                hess[a * k + b] += wa * xi[b];
            }
        }
    }
    for a in 0..k {
        for b in 0..a {
            hess[a * k + b] = hess[b * k + a];
        }
        if a < d {
            grad[a] += l2 * theta[a];
            hess[a * k + a] += l2;
        }
        hess[a * k + a] += JITTER;
    }
    (grad, hess)
}

/// Solves `H x = g` for a symmetric positive definite `H` (row-major) by
/// Cholesky factorisation; `None` if `H` is not positive definite.
fn solve_spd(mut h: Vec<f64>, g: &[f64]) -> Option<Vec<f64>> {
    let k = g.len();
    for j in 0..k {
        let mut diag = h[j * k + j];
        for p in 0..j {
            diag -= h[j * k + p] * h[j * k + p];
        }
        if !(diag.is_finite() && diag > 0.0) {
            return None;
        }
        let l = diag.sqrt();
        h[j * k + j] = l;
        for i in j + 1..k {
            let mut v = h[i * k + j];
            for p in 0..j {
                v -= h[i * k + p] * h[j * k + p];
            }
            h[i * k + j] = v / l;
        }
    }
    // Forward substitution: L y = g.
    let mut y = vec![0.0; k];
    for i in 0..k {
        let mut v = g[i];
        for p in 0..i {
            v -= h[i * k + p] * y[p];
        }
        y[i] = v / h[i * k + i];
    }
    // Back substitution: Lᵀ x = y.
    let mut x = vec![0.0; k];
    for i in (0..k).rev() {
        let mut v = y[i];
        for p in i + 1..k {
            v -= h[p * k + i] * x[p];
        }
        x[i] = v / h[i * k + i];
    }
    Some(x)
}
