//! Cross-validation grouped by document, and the metrics it reports.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::model::{Example, Model, TrainOptions, train};

/// Probabilities are clamped to `[EPS, 1 - EPS]` for the log loss.
const EPS: f64 = 1e-7;

/// Out-of-fold quality of a training setup.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct CvReport {
    /// Folds actually used (fewer than asked when there are fewer groups).
    pub folds: usize,
    pub examples: usize,
    #[serde(default)]
    pub positives: usize,
    /// Mean log loss of the out-of-fold probabilities.
    pub log_loss: f64,
    /// Share of examples on the right side of 0.5.
    pub accuracy: f64,
    /// Area under the ROC curve of the out-of-fold probabilities.
    pub auc: f64,
    /// Candidate sets (one document and field) with at least one correct
    /// candidate.
    #[serde(default)]
    pub sets: usize,
    /// Share of those sets whose top-scored candidate is correct (ties at
    /// the top count by the share of correct candidates among them).
    #[serde(default)]
    pub top1: f64,
    pub per_field: BTreeMap<String, FieldCv>,
}

/// Out-of-fold quality for one field.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct FieldCv {
    pub examples: usize,
    pub positives: usize,
    pub auc: f64,
    pub accuracy: f64,
    #[serde(default)]
    pub log_loss: f64,
    #[serde(default)]
    pub sets: usize,
    #[serde(default)]
    pub top1: f64,
}

/// The result of [`cross_validate`].
#[derive(Clone, Debug)]
pub struct CrossValidation {
    pub report: CvReport,
    /// For every example, in input order, the probability from the fold
    /// model that was not trained on its group.
    pub oof: Vec<f32>,
    /// Fold of every group.
    pub fold_of_group: BTreeMap<String, usize>,
    /// The model of each fold, trained on all groups outside that fold.
    pub fold_models: Vec<Model>,
    /// The groups each fold model was trained on, sorted.
    pub fold_training_groups: Vec<Vec<String>>,
}

/// k-fold cross-validation grouped by [`Example::group`]: all examples of a
/// document fall in the same fold, so a model is never scored on a document
/// it has seen. Groups are assigned to folds by [`assign_folds`] with
/// `opts.seed`; each fold model is trained with `opts` on the other folds.
pub fn cross_validate(examples: &[Example], k: usize, opts: &TrainOptions) -> CrossValidation {
    let fold_of_group = assign_folds(examples.iter().map(|e| e.group.as_str()), k, opts.seed);
    let folds = fold_of_group.values().max().map_or(0, |m| m + 1);
    let fold_of = |e: &Example| fold_of_group.get(&e.group).copied().unwrap_or(0);

    let mut oof = vec![0.5f32; examples.len()];
    let mut fold_models = Vec::with_capacity(folds);
    let mut fold_training_groups = Vec::with_capacity(folds);
    for f in 0..folds {
        let training: Vec<Example> = examples
            .iter()
            .filter(|e| fold_of(e) != f)
            .cloned()
            .collect();
        let groups: BTreeSet<&str> = training.iter().map(|e| e.group.as_str()).collect();
        let model = train(&training, opts);
        for (i, e) in examples.iter().enumerate() {
            if fold_of(e) == f {
                oof[i] = model.score_features(&e.x);
            }
        }
        fold_models.push(model);
        fold_training_groups.push(groups.into_iter().map(str::to_owned).collect());
    }

    let report = report(examples, &oof, folds);
    CrossValidation {
        report,
        oof,
        fold_of_group,
        fold_models,
        fold_training_groups,
    }
}

/// Assigns each distinct group to one of `k` folds: the sorted groups are
/// shuffled with a generator seeded by `seed`, then dealt round-robin, so
/// fold sizes differ by at most one group. Fewer groups than `k` give one
/// fold per group; `k` below 2 is taken as 2.
pub fn assign_folds<'a>(
    groups: impl IntoIterator<Item = &'a str>,
    k: usize,
    seed: u64,
) -> BTreeMap<String, usize> {
    let mut sorted: Vec<&str> = groups
        .into_iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let folds = k.max(2).min(sorted.len());
    let mut rng = SplitMix64::new(seed);
    for i in (1..sorted.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        sorted.swap(i, j);
    }
    sorted
        .into_iter()
        .enumerate()
        .map(|(i, g)| (g.to_owned(), i % folds.max(1)))
        .collect()
}

/// The SplitMix64 generator: tiny, fast and fully determined by its seed.
#[derive(Clone, Debug)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform integer in `0..n` (`n > 0`), without modulo bias.
    pub fn below(&mut self, n: u64) -> u64 {
        if n <= 1 {
            return 0;
        }
        let zone = u64::MAX - u64::MAX % n;
        loop {
            let v = self.next_u64();
            if v < zone {
                return v % n;
            }
        }
    }
}

/// Area under the ROC curve by the rank-sum statistic: the probability that
/// a random positive scores above a random negative, ties counting half.
/// 0.5 when either class is absent.
pub fn auc(scores: &[f32], labels: &[bool]) -> f64 {
    let n = scores.len().min(labels.len());
    let positives = labels[..n].iter().filter(|l| **l).count();
    let negatives = n - positives;
    if positives == 0 || negatives == 0 {
        return 0.5;
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|a, b| scores[*a].total_cmp(&scores[*b]));
    let mut rank_sum = 0.0f64;
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && scores[order[j + 1]].total_cmp(&scores[order[i]]).is_eq() {
            j += 1;
        }
        // Ranks i+1 ..= j+1 share their average.
        let avg = (i + j + 2) as f64 / 2.0;
        rank_sum += avg * order[i..=j].iter().filter(|o| labels[**o]).count() as f64;
        i = j + 1;
    }
    let p = positives as f64;
    (rank_sum - p * (p + 1.0) / 2.0) / (p * negatives as f64)
}

/// Mean log loss, with probabilities clamped away from 0 and 1; 0 for no
/// examples.
pub fn log_loss(probs: &[f32], labels: &[bool]) -> f64 {
    let n = probs.len().min(labels.len());
    if n == 0 {
        return 0.0;
    }
    let total: f64 = probs
        .iter()
        .zip(labels)
        .map(|(p, y)| {
            let p = if p.is_finite() {
                f64::from(*p).clamp(EPS, 1.0 - EPS)
            } else {
                0.5
            };
            if *y { -p.ln() } else { -(1.0 - p).ln() }
        })
        .sum();
    total / n as f64
}

/// Share of examples whose probability is on the side of 0.5 of its label
/// (0.5 itself counts as negative); 0 for no examples.
pub fn accuracy(probs: &[f32], labels: &[bool]) -> f64 {
    let n = probs.len().min(labels.len());
    if n == 0 {
        return 0.0;
    }
    let right = probs
        .iter()
        .zip(labels)
        .filter(|(p, y)| (**p > 0.5) == **y)
        .count();
    right as f64 / n as f64
}

/// Top-1 ranking quality over candidate sets `(group, field)`: returns the
/// number of sets with a correct candidate and the mean share of correct
/// candidates among each such set's top-scored ones.
fn top1(examples: &[&Example], probs: &[f32]) -> (usize, f64) {
    let mut sets: BTreeMap<(&str, &str), Vec<(f32, bool)>> = BTreeMap::new();
    for (e, p) in examples.iter().zip(probs) {
        sets.entry((e.group.as_str(), e.field.as_str()))
            .or_default()
            .push((*p, e.label));
    }
    let mut count = 0;
    let mut total = 0.0;
    for members in sets.values() {
        if !members.iter().any(|(_, y)| *y) {
            continue;
        }
        let best = members
            .iter()
            .map(|(p, _)| *p)
            .fold(f32::NEG_INFINITY, f32::max);
        let top: Vec<bool> = members
            .iter()
            .filter(|(p, _)| p.total_cmp(&best).is_eq())
            .map(|(_, y)| *y)
            .collect();
        count += 1;
        if !top.is_empty() {
            total += top.iter().filter(|y| **y).count() as f64 / top.len() as f64;
        }
    }
    let share = if count == 0 {
        0.0
    } else {
        total / count as f64
    };
    (count, share)
}

fn report(examples: &[Example], oof: &[f32], folds: usize) -> CvReport {
    let labels: Vec<bool> = examples.iter().map(|e| e.label).collect();
    let all: Vec<&Example> = examples.iter().collect();
    let (sets, top) = top1(&all, oof);

    let mut by_field: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, e) in examples.iter().enumerate() {
        by_field.entry(e.field.as_str()).or_default().push(i);
    }
    let per_field = by_field
        .into_iter()
        .map(|(field, idx)| {
            let probs: Vec<f32> = idx.iter().map(|i| oof[*i]).collect();
            let ys: Vec<bool> = idx.iter().map(|i| labels[*i]).collect();
            let members: Vec<&Example> = idx.iter().map(|i| &examples[*i]).collect();
            let (sets, top1) = top1(&members, &probs);
            let cv = FieldCv {
                examples: idx.len(),
                positives: ys.iter().filter(|y| **y).count(),
                auc: auc(&probs, &ys),
                accuracy: accuracy(&probs, &ys),
                log_loss: log_loss(&probs, &ys),
                sets,
                top1,
            };
            (field.to_owned(), cv)
        })
        .collect();

    CvReport {
        folds,
        examples: examples.len(),
        positives: labels.iter().filter(|y| **y).count(),
        log_loss: log_loss(oof, &labels),
        accuracy: accuracy(oof, &labels),
        auc: auc(oof, &labels),
        sets,
        top1: top,
        per_field,
    }
}
