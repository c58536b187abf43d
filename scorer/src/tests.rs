#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use crate::features::{contains_term, normalise, percent_in, tail_chars};
use crate::*;

fn candidate<'a>(field: &'a str, quote: &'a str) -> CandidateInput<'a> {
    CandidateInput {
        field,
        extractor: "rules:labelled_mass",
        rule_confidence: 0.8,
        quote,
        before: "",
        after: "",
        value: "",
        grams: None,
        subject_distance: None,
        other_subject_closer: false,
        doc_kind: "datasheet",
        position: 0.3,
        same_value_count: 1,
        field_candidate_count: 2,
    }
}

fn feature(c: &CandidateInput, name: &str) -> f32 {
    let i = feature_names()
        .iter()
        .position(|n| *n == name)
        .unwrap_or_else(|| panic!("no feature {name}"));
    features(c)[i]
}

fn index(name: &str) -> usize {
    feature_names().iter().position(|n| *n == name).unwrap()
}

// ---------------------------------------------------------------- features

#[test]
fn features_match_names() {
    let names = feature_names();
    assert!((25..=45).contains(&names.len()), "{} features", names.len());
    let unique: BTreeSet<_> = names.iter().collect();
    assert_eq!(unique.len(), names.len(), "duplicate feature names");
    let c = candidate("mass", "Weight: 0.105 g");
    assert_eq!(features(&c).len(), names.len());
}

#[test]
fn weight_cue_versus_packaging_distractor() {
    let mut good = candidate("mass", "Weight: 0.105 g");
    good.grams = Some(0.105);
    let mut bad = candidate("mass", "Packaging weight 30 g");
    bad.grams = Some(30.0);

    assert_eq!(feature(&good, "cue_field_in_quote"), 1.0);
    assert_eq!(feature(&good, "distractor_packaging"), 0.0);
    assert_eq!(feature(&good, "mass_unit_in_quote"), 1.0);
    assert_eq!(feature(&bad, "cue_field_in_quote"), 1.0);
    assert_eq!(feature(&bad, "distractor_packaging"), 1.0);
    assert_eq!(feature(&bad, "mass_unit_in_quote"), 1.0);

    assert!((feature(&good, "log10_grams") - 0.105f32.log10()).abs() < 1e-6);
    assert_eq!(feature(&good, "implausible_mass"), 0.0);
}

#[test]
fn cjk_cues_fire() {
    let c = candidate("mass", "重量：0.105 克");
    assert_eq!(feature(&c, "cue_field_in_quote"), 1.0);
    assert_eq!(feature(&c, "mass_unit_in_quote"), 1.0);
    let c = candidate("mass", "包装重量 30g");
    assert_eq!(feature(&c, "distractor_packaging"), 1.0);
    let c = candidate("origin", "中国制造");
    assert_eq!(feature(&c, "cue_field_in_quote"), 1.0);
    let c = candidate("recycled_content", "含30%再生塑料");
    assert_eq!(feature(&c, "cue_field_in_quote"), 1.0);
    assert_eq!(feature(&c, "percent_in_quote"), 1.0);
}

#[test]
fn cues_are_case_insensitive_and_whole_word() {
    assert_eq!(
        feature(&candidate("mass", "UNIT WEIGHT 2 G"), "cue_field_in_quote"),
        1.0
    );
    assert_eq!(
        feature(&candidate("mass", "UNIT WEIGHT 2 G"), "mass_unit_in_quote"),
        1.0
    );
    // "min" inside "aluminium", "net" inside "network", "case" inside "showcase".
    let c = candidate("materials", "Aluminium network showcase");
    assert_eq!(feature(&c, "distractor_limit"), 0.0);
    assert_eq!(feature(&c, "cue_net_total"), 0.0);
    assert_eq!(feature(&c, "cue_field_in_quote"), 0.0);
    let c = candidate("materials", "Housing: aluminium, max. 2 mm");
    assert_eq!(feature(&c, "distractor_limit"), 1.0);
    assert_eq!(feature(&c, "cue_field_in_quote"), 1.0);
    // Prefix terms.
    let c = candidate("recycled_content", "Contains 30% Recycled PET");
    assert_eq!(feature(&c, "cue_field_in_quote"), 1.0);
    assert!(contains_term("manufactured in vietnam", "manufactur*"));
    assert!(!contains_term("remanufactured", "manufactur*"));
    // "package" is not "packaging".
    let c = candidate("mass", "Packaging: tape and reel");
    assert_eq!(feature(&c, "distractor_package_word"), 0.0);
    let c = candidate("mass", "Package weight 0.02 g");
    assert_eq!(feature(&c, "distractor_package_word"), 1.0);
    assert_eq!(feature(&c, "distractor_packaging"), 0.0);
    // Multi-word terms survive line breaks.
    let c = candidate("origin", "Made\n in  Germany");
    assert_eq!(feature(&c, "cue_field_in_quote"), 1.0);
}

#[test]
fn context_and_distractor_windows() {
    let mut c = candidate("mass", "0.5 g");
    c.before = "Mechanical data\nWeight (typ.) ";
    assert_eq!(feature(&c, "cue_field_in_quote"), 0.0);
    assert_eq!(feature(&c, "cue_field_before"), 1.0);
    assert_eq!(feature(&c, "cue_typical"), 1.0);

    let mut c = candidate("mass", "Weight 120 kg CO2e");
    c.before = "Our goal is to cut emissions by 2030.";
    assert_eq!(feature(&c, "distractor_emissions"), 1.0);
    assert_eq!(feature(&c, "distractor_corporate"), 1.0);

    let c = candidate("mass", "Weight: 105 g per 1000 pcs");
    assert_eq!(feature(&c, "distractor_per_quantity"), 1.0);
    let c = candidate("mass", "Operating temperature up to 85 °C");
    assert_eq!(feature(&c, "distractor_other_quantity"), 1.0);
    assert_eq!(feature(&c, "distractor_limit"), 1.0);
    let c = candidate("mass", "20% lighter compared to the previous model");
    assert_eq!(feature(&c, "distractor_comparison"), 1.0);

    // A mass candidate whose quote talks about recycled content.
    let c = candidate("mass", "Recycled content 30%");
    assert_eq!(feature(&c, "cue_other_field_in_quote"), 1.0);
    assert_eq!(feature(&c, "cue_field_in_quote"), 0.0);
}

#[test]
fn value_subject_and_shape_features() {
    let mut c = candidate("recycled_content", "30 % post-consumer recycled plastic");
    c.value = "30 % plastic";
    assert!((feature(&c, "recycled_fraction") - 0.3).abs() < 1e-6);
    c.value = "12,5% aluminium";
    assert!((feature(&c, "recycled_fraction") - 0.125).abs() < 1e-6);
    c.field = "materials";
    assert_eq!(feature(&c, "recycled_fraction"), 0.0);
    assert_eq!(percent_in("no number"), None);

    let mut c = candidate("mass", "Weight 70 t");
    c.grams = Some(70_000_000.0);
    assert_eq!(feature(&c, "implausible_mass"), 1.0);
    assert_eq!(feature(&c, "log10_grams"), 6.0);
    c.grams = Some(1e-6);
    assert_eq!(feature(&c, "implausible_mass"), 1.0);
    c.grams = Some(f64::NAN);
    assert_eq!(feature(&c, "has_grams"), 0.0);

    let mut c = candidate("origin", "Made in Japan");
    assert_eq!(feature(&c, "subject_unknown"), 1.0);
    assert_eq!(feature(&c, "subject_proximity"), 0.0);
    c.subject_distance = Some(0);
    assert_eq!(feature(&c, "subject_proximity"), 1.0);
    c.subject_distance = Some(500);
    assert!((feature(&c, "subject_proximity") - (-1.0f32).exp()).abs() < 1e-6);
    assert_eq!(feature(&c, "subject_unknown"), 0.0);

    let c = candidate("mass", "BAT54   SOT-23   0.008 g");
    assert_eq!(feature(&c, "quote_table_like"), 1.0);
    let c = candidate("mass", "Part | Weight | 0.008 g");
    assert_eq!(feature(&c, "quote_table_like"), 1.0);
    let c = candidate("mass", "The part weighs 8 mg.");
    assert_eq!(feature(&c, "quote_table_like"), 0.0);
    assert_eq!(feature(&c, "quote_has_number"), 1.0);

    let mut c = candidate("mass", "x");
    c.doc_kind = "brochure";
    c.extractor = "sheet:column";
    assert_eq!(feature(&c, "doc_other"), 1.0);
    assert_eq!(feature(&c, "doc_datasheet"), 0.0);
    assert_eq!(feature(&c, "extractor_sheet"), 1.0);
    assert_eq!(feature(&c, "extractor_rules"), 0.0);
}

#[test]
fn features_are_finite_for_odd_input() {
    let mut c = candidate("", "");
    c.rule_confidence = f32::NAN;
    c.position = f32::INFINITY;
    c.grams = Some(-3.0);
    c.same_value_count = 5;
    c.field_candidate_count = 0;
    c.before = "é漢字\u{a0}\u{3000}";
    let x = features(&c);
    assert!(x.iter().all(|v| v.is_finite()), "{x:?}");
    assert_eq!(feature(&c, "rule_confidence"), 0.0);
    assert_eq!(feature(&c, "field_candidates_inv"), 1.0);
}

#[test]
fn text_helpers() {
    assert_eq!(tail_chars("abc重量", 2), "重量");
    assert_eq!(tail_chars("ab", 5), "ab");
    assert_eq!(tail_chars("ab", 0), "");
    assert_eq!(normalise("  A\n\tB  "), "a b");
}

// ---------------------------------------------------------------- training

/// Synthetic linearly separable data over the full feature width.
fn separable(n: usize, seed: u64) -> Vec<Example> {
    let d = feature_names().len();
    let mut rng = SplitMix64::new(seed);
    let mut uniform = move || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    let truth: Vec<f64> = (0..d)
        .map(|j| if j % 3 == 0 { 1.0 } else { -0.5 })
        .collect();
    (0..n)
        .map(|i| {
            let x: Vec<f32> = (0..d).map(|_| (uniform() * 2.0 - 1.0) as f32).collect();
            let s: f64 = x.iter().zip(&truth).map(|(a, b)| f64::from(*a) * b).sum();
            Example {
                x,
                label: s > 0.0,
                group: format!("doc{}", i % 40),
                field: if i % 2 == 0 { "mass" } else { "origin" }.to_owned(),
            }
        })
        .collect()
}

#[test]
fn learns_separable_data() {
    let data = separable(400, 1);
    let model = train(&data, &TrainOptions::default());
    let probs: Vec<f32> = data.iter().map(|e| model.score_features(&e.x)).collect();
    let labels: Vec<bool> = data.iter().map(|e| e.label).collect();
    let acc = accuracy(&probs, &labels);
    assert!(acc > 0.95, "accuracy {acc}");
    assert!(auc(&probs, &labels) > 0.99);
    assert!(model.training.iterations > 0);
    assert_eq!(model.training.examples, 400);
    assert_eq!(
        model.training.positives,
        labels.iter().filter(|l| **l).count()
    );
    assert!(probs.iter().all(|p| (0.0..=1.0).contains(p)));
}

/// Realistic candidates: correct ones are labelled weights, mostly near the
/// subject; wrong ones are packaging weights, mostly far from it.
fn candidates() -> Vec<Example> {
    let mut out = Vec::new();
    for doc in 0..30 {
        let group = format!("doc{doc}");
        let grams = 0.01 * (doc + 1) as f64;
        let good_quote = format!("Weight: {grams} g");
        let bad_quote = format!("Packaging weight per reel {} g", 100 + doc);
        let mut good = candidate("mass", &good_quote);
        good.grams = Some(grams);
        good.subject_distance = Some(40 + doc);
        let mut bad = candidate("mass", &bad_quote);
        bad.grams = Some(100.0 + doc as f64);
        bad.subject_distance = Some(900 + 10 * doc);
        bad.rule_confidence = 0.7;
        if doc % 5 == 0 {
            // Here mass and subject distance mislead: only the wording tells
            // the labelled weight from the packaging weight.
            std::mem::swap(&mut good.quote, &mut bad.quote);
        }
        for (c, label) in [(good, doc % 5 != 0), (bad, doc % 5 == 0)] {
            out.push(Example {
                x: features(&c),
                label,
                group: group.clone(),
                field: "mass".to_owned(),
            });
        }
    }
    out
}

#[test]
fn model_ranks_positive_above_negative() {
    let model = train(&candidates(), &TrainOptions::default());
    let mut good = candidate("mass", "Net weight: 0.2 g");
    good.grams = Some(0.2);
    good.subject_distance = Some(20);
    let mut bad = candidate("mass", "Packaging weight per reel 120 g");
    bad.grams = Some(120.0);
    bad.subject_distance = Some(1500);
    let (pg, pb) = (model.score(&good), model.score(&bad));
    assert!(pg > pb, "good {pg} vs bad {pb}");
    assert!(pg > 0.5 && pb < 0.5, "good {pg} vs bad {pb}");
    // The packaging cue pushes towards "wrong".
    let contrib = model.contributions(&features(&bad));
    assert!(contrib[index("distractor_packaging")] < 0.0);
}

#[test]
fn training_is_deterministic() {
    let data = separable(200, 7);
    let opts = TrainOptions::default();
    let a = train(&data, &opts).to_json();
    let b = train(&data, &opts).to_json();
    assert_eq!(a, b);
    let a = train(&candidates(), &opts).to_json();
    let b = train(&candidates(), &opts).to_json();
    assert_eq!(a, b);
}

#[test]
fn training_edge_cases() {
    // No data: a neutral model.
    let model = train(&[], &TrainOptions::default());
    assert_eq!(
        model.score_features(&features(&candidate("mass", "x"))),
        0.5
    );
    assert!(Model::from_json(&model.to_json()).is_ok());
    // One class only: probabilities lean that way, all finite.
    let mut data = separable(50, 3);
    for e in &mut data {
        e.label = true;
    }
    let model = train(&data, &TrainOptions::default());
    let p = model.score_features(&data[0].x);
    assert!(p > 0.9 && p.is_finite(), "{p}");
    // Short and non-finite vectors are tolerated.
    data[1].x = vec![f32::NAN; 3];
    data[2].label = false;
    let model = train(&data, &TrainOptions::default());
    assert!(model.check().is_ok());
    assert!(model.score_features(&[]).is_finite());
    // No penalty on separable data stays finite.
    let opts = TrainOptions {
        l2: 0.0,
        epochs: 50,
        learning_rate: 1.0,
        seed: 1,
    };
    let model = train(&separable(100, 9), &opts);
    assert!(model.check().is_ok());
}

// ---------------------------------------------------------------- model file

#[test]
fn json_round_trip_preserves_scores() {
    let data = candidates();
    let model = train(&data, &TrainOptions::default());
    let json = model.to_json();
    let back = Model::from_json(&json).unwrap();
    assert_eq!(back, model);
    for e in &data {
        assert_eq!(back.score_features(&e.x), model.score_features(&e.x));
    }
    assert_eq!(back.to_json(), json);
}

#[test]
fn from_json_refuses_mismatched_models() {
    let model = train(&candidates(), &TrainOptions::default());

    let mut m = model.clone();
    m.feature_names[3] = "field_something_else".to_owned();
    let err = Model::from_json(&m.to_json()).unwrap_err();
    assert!(
        matches!(err, ScorerError::FeatureNames { index: 3, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("field_something_else"));

    let mut m = model.clone();
    m.feature_names.push("extra".to_owned());
    assert!(matches!(
        Model::from_json(&m.to_json()),
        Err(ScorerError::FeatureNames { .. })
    ));

    let mut m = model.clone();
    m.feature_version = "features-0".to_owned();
    let err = Model::from_json(&m.to_json()).unwrap_err();
    assert!(matches!(err, ScorerError::FeatureVersion { .. }));
    assert!(err.to_string().contains("features-0"));

    let mut m = model.clone();
    m.version = "scorer-0".to_owned();
    assert!(matches!(
        Model::from_json(&m.to_json()),
        Err(ScorerError::ModelVersion { .. })
    ));

    let mut m = model.clone();
    m.weights.pop();
    assert!(matches!(
        Model::from_json(&m.to_json()),
        Err(ScorerError::Length {
            what: "weights",
            ..
        })
    ));

    let mut m = model.clone();
    m.scale[0] = 0.0;
    assert!(matches!(
        Model::from_json(&m.to_json()),
        Err(ScorerError::InvalidValue { what: "scale", .. })
    ));

    assert!(matches!(Model::from_json("{}"), Err(ScorerError::Json(_))));
}

#[test]
fn from_json_accepts_files_without_optional_details() {
    let model = train(&candidates(), &TrainOptions::default());
    let mut v: serde_json::Value = serde_json::from_str(&model.to_json()).unwrap();
    let training = v["training"].as_object_mut().unwrap();
    for key in [
        "learning_rate",
        "iterations",
        "train_log_loss",
        "data_sha256",
    ] {
        training.remove(key);
    }
    let back = Model::from_json(&v.to_string()).unwrap();
    assert_eq!(back.weights, model.weights);
    assert_eq!(back.training.iterations, 0);
}

// ---------------------------------------------------------------- cross-validation

#[test]
fn folds_keep_groups_together() {
    let data = candidates();
    let cv = cross_validate(&data, 5, &TrainOptions::default());
    assert_eq!(cv.report.folds, 5);
    assert_eq!(cv.fold_models.len(), 5);
    assert_eq!(cv.oof.len(), data.len());
    assert_eq!(cv.fold_of_group.len(), 30);
    let all: BTreeSet<&str> = data.iter().map(|e| e.group.as_str()).collect();
    for e in &data {
        let f = cv.fold_of_group[&e.group];
        let seen = &cv.fold_training_groups[f];
        assert!(!seen.contains(&e.group), "fold {f} trained on {}", e.group);
        // Every other group outside the fold was used.
        for g in &all {
            if cv.fold_of_group[*g] != f {
                assert!(seen.iter().any(|s| s == g));
            }
        }
        let trained = data
            .iter()
            .filter(|x| cv.fold_of_group[&x.group] != f)
            .count();
        assert_eq!(cv.fold_models[f].training.examples, trained);
        assert_eq!(
            cv.oof[data.iter().position(|x| x == e).unwrap()],
            cv.fold_models[f].score_features(&e.x)
        );
    }
    // Folds are balanced: 30 groups over 5 folds.
    for f in 0..5 {
        assert_eq!(cv.fold_of_group.values().filter(|v| **v == f).count(), 6);
    }
    assert!(cv.report.auc > 0.7, "{:?}", cv.report);
    assert_eq!(cv.report.per_field["mass"].examples, data.len());
    assert_eq!(cv.report.sets, 30);
}

#[test]
fn out_of_fold_scores_cannot_use_the_group() {
    // Each group has its own indicator feature and a random label shared by
    // all its examples: a model that saw the group predicts it perfectly, a
    // model that did not has nothing to go on.
    let d = feature_names().len();
    let groups = 30.min(d);
    let mut rng = SplitMix64::new(99);
    let mut data = Vec::new();
    for g in 0..groups {
        let label = rng.below(2) == 1;
        for _ in 0..4 {
            let mut x = vec![0.0f32; d];
            x[g] = 1.0;
            data.push(Example {
                x,
                label,
                group: format!("g{g}"),
                field: "origin".to_owned(),
            });
        }
    }
    let labels: Vec<bool> = data.iter().map(|e| e.label).collect();
    let opts = TrainOptions::default();
    let full = train(&data, &opts);
    let in_sample: Vec<f32> = data.iter().map(|e| full.score_features(&e.x)).collect();
    assert!(auc(&in_sample, &labels) > 0.99);

    let cv = cross_validate(&data, 5, &opts);
    assert!(cv.report.auc < 0.6, "out-of-fold AUC {}", cv.report.auc);
    assert!(
        cv.report.accuracy < 0.8,
        "out-of-fold accuracy {}",
        cv.report.accuracy
    );
}

#[test]
fn cross_validation_is_deterministic_and_seeded() {
    let data = candidates();
    let opts = TrainOptions::default();
    let a = cross_validate(&data, 4, &opts);
    let b = cross_validate(&data, 4, &opts);
    assert_eq!(a.oof, b.oof);
    assert_eq!(a.fold_of_group, b.fold_of_group);
    assert_eq!(a.report, b.report);
    let other = TrainOptions {
        seed: 12345,
        ..opts
    };
    let c = cross_validate(&data, 4, &other);
    assert_ne!(a.fold_of_group, c.fold_of_group);
}

#[test]
fn fewer_groups_than_folds() {
    let data: Vec<Example> = candidates()
        .into_iter()
        .filter(|e| e.group == "doc1" || e.group == "doc2" || e.group == "doc3")
        .collect();
    let cv = cross_validate(&data, 10, &TrainOptions::default());
    assert_eq!(cv.report.folds, 3);
    assert_eq!(cv.fold_models.len(), 3);
    let folds: BTreeSet<usize> = cv.fold_of_group.values().copied().collect();
    assert_eq!(folds, BTreeSet::from([0, 1, 2]));

    let one: Vec<Example> = data.iter().filter(|e| e.group == "doc1").cloned().collect();
    let cv = cross_validate(&one, 5, &TrainOptions::default());
    assert_eq!(cv.report.folds, 1);
    assert!(cv.oof.iter().all(|p| *p == 0.5));

    let cv = cross_validate(&[], 5, &TrainOptions::default());
    assert_eq!(cv.report.folds, 0);
    assert!(cv.oof.is_empty());
    assert_eq!(cv.report.auc, 0.5);
}

#[test]
fn assign_folds_ignores_input_order() {
    let a = assign_folds(["b", "a", "c", "a", "d"], 2, 5);
    let b = assign_folds(["d", "c", "b", "a"], 2, 5);
    assert_eq!(a, b);
    assert_eq!(a.len(), 4);
    assert!(a.values().all(|f| *f < 2));
}

// ---------------------------------------------------------------- metrics

#[test]
fn auc_edge_cases() {
    assert_eq!(auc(&[], &[]), 0.5);
    assert_eq!(auc(&[0.1, 0.9], &[true, true]), 0.5);
    assert_eq!(auc(&[0.1, 0.9], &[false, false]), 0.5);
    assert_eq!(auc(&[0.1, 0.9], &[false, true]), 1.0);
    assert_eq!(auc(&[0.1, 0.9], &[true, false]), 0.0);
    assert_eq!(auc(&[0.5, 0.5, 0.5], &[true, false, true]), 0.5);
    // One tie between a positive and a negative counts half.
    assert_eq!(
        auc(&[0.1, 0.4, 0.4, 0.8], &[false, false, true, true]),
        0.875
    );
    assert_eq!(
        auc(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]),
        0.75
    );
}

#[test]
fn other_metrics() {
    assert_eq!(accuracy(&[0.9, 0.2, 0.5], &[true, false, true]), 2.0 / 3.0);
    assert_eq!(accuracy(&[], &[]), 0.0);
    assert!((log_loss(&[0.5], &[true]) - std::f64::consts::LN_2).abs() < 1e-12);
    assert!(log_loss(&[0.0], &[true]).is_finite());
}

#[test]
fn splitmix_is_reproducible() {
    let mut a = SplitMix64::new(0);
    // Reference values of SplitMix64 seeded with 0.
    assert_eq!(a.next_u64(), 0xE220_A839_7B1D_CDAF);
    assert_eq!(a.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    let mut b = SplitMix64::new(3);
    assert!((0..1000).all(|_| b.below(7) < 7));
}
