//! `attest-ingest chunks` prints the texts ingest embeds, without a model or
//! an index, and `attest-ingest run` on the same file stores as many chunks.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn corpus(rel: &str) -> PathBuf {
    repo_root().join("../shared/corpus").join(rel)
}

fn ingest(args: &[&str], data_dir: &Path) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_attest-ingest"));
    for (k, _) in std::env::vars() {
        if k.starts_with("ATTEST_") {
            cmd.env_remove(k);
        }
    }
    cmd.args(args)
        .env("ATTEST_DATA_DIR", data_dir)
        .env("ATTEST_MODELS_DIR", repo_root().join("models"))
        .env("ATTEST_EMBED_THREADS", "1")
        .output()
        .expect("attest-ingest runs")
}

fn lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn chunks_are_the_texts_ingest_embeds() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let pdf = corpus("datasheets/Vishay_1N4148.pdf");
    let out = ingest(&["chunks", pdf.to_str().unwrap()], &data);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let chunks = lines(&out);
    assert!(chunks.len() >= 2, "{chunks:?}");
    for (i, c) in chunks.iter().enumerate() {
        assert_eq!(c["source"], "Vishay_1N4148.pdf");
        assert_eq!(c["chunk"], i as u64);
        assert!(c["page"].as_u64().unwrap() >= 1);
        let (start, end) = (
            c["chars"][0].as_u64().unwrap(),
            c["chars"][1].as_u64().unwrap(),
        );
        assert!(start < end, "{c}");
        assert!(!c["text"].as_str().unwrap().trim().is_empty());
    }
    assert!(
        chunks
            .iter()
            .any(|c| c["text"].as_str().unwrap().contains("105 mg")),
        "the datasheet's weight line is in a chunk"
    );
    assert!(!data.exists(), "printing chunks opens no index");

    // The same file ingested: as many chunks stored as were printed.
    let run = ingest(&["run", pdf.to_str().unwrap()], &data);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let summary = String::from_utf8_lossy(&run.stdout);
    assert!(
        summary.contains(&format!("chunks: {},", chunks.len())),
        "{summary}"
    );
}

#[test]
fn an_unreadable_file_is_reported_and_the_others_still_print() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.pdf");
    std::fs::write(
        &broken,
        b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ntrailer\n%%EOF",
    )
    .unwrap();
    let text = corpus("datasheets/southwire_spec_85033_control_cable.txt");
    let out = ingest(
        &["chunks", broken.to_str().unwrap(), text.to_str().unwrap()],
        &dir.path().join("data"),
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("broken.pdf"), "{stderr}");
    let chunks = lines(&out);
    assert!(!chunks.is_empty());
    assert!(
        chunks
            .iter()
            .all(|c| c["source"] == "southwire_spec_85033_control_cable.txt")
    );
}
