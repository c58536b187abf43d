//! The sentence-embedding model as ingest calls it: texts of very different
//! token counts (short prose, long tables of numbers) embedded in one call
//! come back in the caller's order, each with the vector it gets alone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use attest_engine::embed::{Embedder, FastEmbedder, ModelPaths};

fn models() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models")
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (na * nb)
}

#[test]
fn a_mixed_call_returns_each_text_its_own_vector_in_order() {
    let paths =
        ModelPaths::in_models_dir(&models()).expect("the model is installed by scripts/setup.sh");
    // Batches of two, so the sorted order spans several model calls.
    let model = FastEmbedder::load(&paths, 1, 2, false).unwrap();
    let numbers: String = (0..120)
        .map(|i| format!("{}.{:02} ", 1000 + i * 7, i))
        .collect();
    let texts: Vec<String> = vec![
        // The origin sentence has more characters than the CAS list but
        // fewer tokens: ordering by characters and by tokens disagree.
        "The housing is moulded from a flame retardant polyamide. ".repeat(3),
        numbers,
        "Weight: 105 mg".into(),
        "Country of origin: Germany. Assembled and tested in Malaysia.".into(),
        "CAS 7440-50-8 Cu 58.2%; CAS 7440-66-6 Zn 39.8%; Pb 2.0%".into(),
    ];
    let together = model.embed(&texts).unwrap();
    assert_eq!(together.len(), texts.len());
    for (text, vector) in texts.iter().zip(&together) {
        let alone = model.embed(std::slice::from_ref(text)).unwrap();
        let c = cosine(vector, &alone[0]);
        assert!(c > 0.9999, "{text:.40}: cosine {c} with its own vector");
    }
    // And the vectors are not all alike: each text has its own.
    assert!(cosine(&together[0], &together[1]) < 0.9);
}
