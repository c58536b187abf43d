use super::*;
use crate::document::PageSpan;

fn doc(id: &str, source: &str, text: &str, subjects: &[&str], status: IngestStatus) -> Document {
    let meta = DocumentMeta {
        id: id.into(),
        tenant: "t1".into(),
        source: source.into(),
        sha256: id.into(),
        bytes: text.len() as u64,
        status,
        error: None,
        kind: None,
        format: None,
        extractor: None,
        subjects: subjects.iter().map(|s| (*s).to_owned()).collect(),
        pages: 1,
        chunks: 0,
        chars: text.chars().count(),
        created_at: id.bytes().map(u64::from).sum(),
        ingested_at: None,
    };
    Document {
        meta,
        text: text.to_owned(),
        pages: vec![PageSpan {
            page: 1,
            start: 0,
            end: text.chars().count(),
        }],
        sheet: None,
        declaration: None,
        tables: Vec::new(),
        layout: None,
    }
}

#[test]
fn subjects_are_found_by_name_and_by_mention_through_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let c = Catalog::open(dir.path()).unwrap();
    c.put(doc(
        "a",
        "relay.pdf",
        "Omron G5V-1 relay. Weight: approx. 2 g",
        &["G5V-1"],
        IngestStatus::Ready,
    ))
    .unwrap();
    c.put(doc(
        "b",
        "diodes.pdf",
        "Small signal diodes 1N4148W-V and BAV99; 重量 1.6 克",
        &[],
        IngestStatus::Ready,
    ))
    .unwrap();
    c.put(doc(
        "c",
        "queued.pdf",
        "",
        &["1N4148"],
        IngestStatus::Queued,
    ))
    .unwrap();
    // By recognised subject, folded ("G5V 1" is "G5V-1").
    assert_eq!(c.find_subject("t1", "g5v 1"), vec!["a"]);
    // By a mention anywhere in the text (a substring of the folded text).
    assert_eq!(c.find_subject("t1", "1N4148"), vec!["b"]);
    assert_eq!(c.find_subject("t1", "bav-99"), vec!["b"]);
    assert_eq!(c.find_subject("t1", "重量 1.6"), vec!["b"]);
    // A short key must begin a word: "approx. 2 g" holds "x2g" and "2 g"
    // holds "2g" only across words; "BAV99" begins one.
    assert!(c.find_subject("t1", "X2G").is_empty());
    assert!(c.find_subject("t1", "ignal").is_empty());
    assert_eq!(c.find_subject("t1", "BAV9"), vec!["b"]);
    // Not ready, another tenant, too short, or absent: nothing.
    assert!(c.find_subject("t2", "G5V-1").is_empty());
    assert!(c.find_subject("t1", "zz").is_empty());
    assert!(c.find_subject("t1", "CA-9").is_empty());
    assert!(c.find_subject("t1", "  ").is_empty());
    // A question naming a recognised subject.
    assert_eq!(
        c.subjects_named_in("t1", "What does the G5V-1 weigh?"),
        vec!["G5V-1"]
    );
    assert!(c.subjects_named_in("t1", "What does it weigh?").is_empty());
}

#[test]
fn records_index_and_generation_survive_a_reopen_and_deletes_leave_no_trace() {
    let dir = tempfile::tempdir().unwrap();
    let g0;
    {
        let c = Catalog::open(dir.path()).unwrap();
        c.put(doc("q1", "one.pdf", "", &[], IngestStatus::Queued))
            .unwrap();
        c.put(doc(
            "r1",
            "two.pdf",
            "XB-200 weight 12 g",
            &["XB-200"],
            IngestStatus::Ready,
        ))
        .unwrap();
        c.save_original("r1", b"%PDF-1.4").unwrap();
        g0 = c.generation();
        assert!(g0 >= 2);
    }
    let c = Catalog::open(dir.path()).unwrap();
    assert_eq!(c.generation(), g0);
    assert_eq!(c.queued(), vec!["q1"]);
    assert_eq!(c.get("r1").unwrap().text, "XB-200 weight 12 g");
    assert_eq!(c.current_for_source("t1", "two.pdf").unwrap().meta.id, "r1");
    assert!(c.current_for_source("t1", "one.pdf").is_none());
    assert_eq!(c.list("t1").len(), 2);
    assert!(c.list("t2").is_empty());
    assert_eq!(c.find_subject("t1", "xb200"), vec!["r1"]);

    // Metadata updates keep the text and its index.
    c.update_meta("q1", |m| m.status = IngestStatus::Failed)
        .unwrap()
        .unwrap();
    assert!(c.queued().is_empty());
    assert_eq!(c.find_subject("t1", "weight12"), vec!["r1"]);

    let removed = c.remove("r1").unwrap().unwrap();
    assert_eq!(removed.meta.id, "r1");
    assert!(c.get("r1").is_none());
    assert!(c.find_subject("t1", "XB-200").is_empty());
    assert!(!c.original_path("r1").exists());
    assert!(c.generation() > g0);
    // Removing twice is not an error.
    assert!(c.remove("r1").unwrap().is_none());
}

#[test]
fn a_replaced_text_is_reindexed() {
    let dir = tempfile::tempdir().unwrap();
    let c = Catalog::open(dir.path()).unwrap();
    c.put(doc("d", "x.pdf", "", &[], IngestStatus::Queued))
        .unwrap();
    assert!(c.find_subject("t1", "ZX-900").is_empty());
    c.put(doc(
        "d",
        "x.pdf",
        "ZX-900 made in Germany",
        &[],
        IngestStatus::Ready,
    ))
    .unwrap();
    assert_eq!(c.find_subject("t1", "ZX-900"), vec!["d"]);
    // Decoded documents beyond the cache are read back from the database.
    for i in 0..(CACHE_DOCUMENTS + 5) {
        c.put(doc(
            &format!("n{i}"),
            &format!("n{i}.txt"),
            "filler",
            &[],
            IngestStatus::Ready,
        ))
        .unwrap();
    }
    assert_eq!(c.get("d").unwrap().text, "ZX-900 made in Germany");
}

#[test]
fn records_of_an_older_data_directory_are_imported_once() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("documents");
    std::fs::create_dir_all(&old).unwrap();
    let d = doc(
        "old1",
        "legacy.pdf",
        "Legacy LX-7 weight 3 g",
        &["LX-7"],
        IngestStatus::Ready,
    );
    std::fs::write(old.join("old1.json"), serde_json::to_vec(&d).unwrap()).unwrap();
    std::fs::write(old.join("broken.json"), b"{not json").unwrap();
    let c = Catalog::open(dir.path()).unwrap();
    assert_eq!(c.get("old1").unwrap().as_ref(), &d);
    assert_eq!(c.find_subject("t1", "LX-7"), vec!["old1"]);
    assert!(!old.exists());
    assert!(dir.path().join("documents.imported").is_dir());
    drop(c);
    let c = Catalog::open(dir.path()).unwrap();
    assert_eq!(c.list("t1").len(), 1);
    drop(c);
    // An older version run again writes records beside the import: they
    // are imported too, into a folder of their own.
    std::fs::create_dir_all(&old).unwrap();
    let d2 = doc("old2", "legacy2.pdf", "LX-8", &[], IngestStatus::Ready);
    std::fs::write(old.join("old2.json"), serde_json::to_vec(&d2).unwrap()).unwrap();
    let c = Catalog::open(dir.path()).unwrap();
    assert_eq!(c.list("t1").len(), 2);
    assert!(dir.path().join("documents.imported.1").is_dir());
}

#[test]
fn readings_belong_to_a_document_version_and_its_extractor_versions() {
    let dir = tempfile::tempdir().unwrap();
    let c = Catalog::open(dir.path()).unwrap();
    // No document, no reading.
    c.store_readings("ghost", "v1", &[(String::new(), b"[]".to_vec())])
        .unwrap();
    assert!(c.stored_reading("ghost", "", "v1").is_none());

    c.put(doc("d", "x.txt", "", &[], IngestStatus::Queued))
        .unwrap();
    c.store_readings(
        "d",
        "v1",
        &[
            (String::new(), b"a".to_vec()),
            ("XB-200".into(), b"b".to_vec()),
        ],
    )
    .unwrap();
    assert_eq!(c.stored_reading("d", "", "v1").unwrap(), b"a");
    assert_eq!(c.stored_reading("d", "XB-200", "v1").unwrap(), b"b");
    // Other extractor versions read the document again.
    assert!(c.stored_reading("d", "", "v2").is_none());
    c.store_readings("d", "v2", &[(String::new(), b"c".to_vec())])
        .unwrap();
    assert_eq!(c.stored_reading("d", "", "v2").unwrap(), b"c");
    // A metadata change keeps them; a new text drops them.
    c.update_meta("d", |m| m.chunks = 3).unwrap();
    assert!(c.stored_reading("d", "XB-200", "v1").is_some());
    c.put(doc("d", "x.txt", "XB-200 12 g", &[], IngestStatus::Ready))
        .unwrap();
    assert!(c.stored_reading("d", "XB-200", "v1").is_none());
}
