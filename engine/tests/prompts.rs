//! Prompt files: released versions are frozen, the compiled-in copies are
//! the files on disk, and rendering is pinned by snapshots.
//!
//! A snapshot mismatch means a prompt or the way it is filled changed: if
//! that is intended, release a new prompt version and refresh the snapshot
//! with `ATTEST_UPDATE_SNAPSHOTS=1 cargo nextest run -p attest-engine --test prompts`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use attest_engine::prompts::PromptSet;
use sha2::{Digest, Sha256};

fn prompts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../prompts")
}

#[test]
fn released_prompts_are_never_edited() {
    let dir = prompts_dir();
    let released = std::fs::read_to_string(dir.join("RELEASED")).unwrap();
    let mut listed = Vec::new();
    for line in released.lines().filter(|l| !l.trim().is_empty()) {
        let (name, sha) = line.split_once(' ').unwrap();
        let text = std::fs::read(dir.join(name)).unwrap();
        assert_eq!(
            format!("{:x}", Sha256::digest(&text)),
            sha.trim(),
            "{name} was edited after release; add a new version instead"
        );
        listed.push(name.to_owned());
    }
    // Every prompt on disk is released (listed) before it is used.
    let set = PromptSet::load(&dir).unwrap();
    for name in set.names() {
        assert!(
            listed.contains(&name),
            "{name} is not listed in prompts/RELEASED"
        );
    }
    // The compiled-in copies are the released files.
    let builtin = PromptSet::builtin().unwrap();
    for name in builtin.names() {
        let a = builtin.by_name(&name).unwrap();
        let b = set.by_name(&name).unwrap();
        assert_eq!(a.sha256, b.sha256, "{name}");
    }
}

fn check_snapshot(name: &str, rendered: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("ATTEST_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, rendered).unwrap();
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (set ATTEST_UPDATE_SNAPSHOTS=1)", path.display()));
    assert_eq!(rendered, expected, "{name} changed");
}

#[test]
fn rendered_prompts_match_their_snapshots() {
    let set = PromptSet::load(&prompts_dir()).unwrap();
    let p = set.get("extract_fields", "v1").unwrap();
    let r = p
        .render(&BTreeMap::from([
            ("subject", "1N4148".to_owned()),
            (
                "context",
                "[excerpt 1 | Vishay_1N4148.pdf | page 1]\nMECHANICAL DATA\nWeight: approx. 105 mg"
                    .to_owned(),
            ),
        ]))
        .unwrap();
    check_snapshot(
        "extract_fields_v1.txt",
        &format!("# system\n{}\n# user\n{}\n", r.system, r.user),
    );
    let p = set.get("extract_fields", "v2").unwrap();
    let r = p
        .render(&BTreeMap::from([
            ("subject", "1N4148".to_owned()),
            (
                "context",
                "[excerpt 1 | Vishay_1N4148.pdf | page 1]\nL1: MECHANICAL DATA\nL2: Weight: approx. 105 mg"
                    .to_owned(),
            ),
        ]))
        .unwrap();
    check_snapshot(
        "extract_fields_v2.txt",
        &format!("# system\n{}\n# user\n{}\n", r.system, r.user),
    );
    let p = set.get("answer", "v1").unwrap();
    let r = p
        .render(&BTreeMap::from([
            ("question", "What is the reverse recovery time?".to_owned()),
            ("subject", "1N4148".to_owned()),
            (
                "passages",
                "[1] (Vishay_1N4148.pdf, page 2)\nReverse recovery time trr 4 ns".to_owned(),
            ),
        ]))
        .unwrap();
    check_snapshot(
        "answer_v1.txt",
        &format!("# system\n{}\n# user\n{}\n", r.system, r.user),
    );
}
