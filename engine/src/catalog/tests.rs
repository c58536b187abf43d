//! The catalog's conformance suite: every test runs on SQLite, and on
//! PostgreSQL too when `ATTEST_TEST_DATABASE_URL` names a server.

use super::testdb::TestPlace;
use super::*;
use crate::document::PageSpan;
use std::time::Duration;

/// A fresh place on each engine under test.
pub(crate) fn places() -> Vec<TestPlace> {
    let mut out = vec![TestPlace::sqlite()];
    out.extend(TestPlace::postgres());
    out
}

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
    for place in places() {
        let c = place.open().unwrap();
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
}

#[test]
fn records_index_and_generation_survive_a_reopen_and_deletes_leave_no_trace() {
    for place in places() {
        let g0;
        {
            let c = place.open().unwrap();
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
            g0 = c.generation();
            assert!(g0 >= 2);
        }
        let c = place.open().unwrap();
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
        assert!(c.generation() > g0);
        // Removing twice is not an error.
        assert!(c.remove("r1").unwrap().is_none());
    }
}

#[test]
fn a_replaced_text_is_reindexed() {
    for place in places() {
        let c = place.open().unwrap();
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
}

#[test]
fn records_of_an_older_data_directory_are_imported_once() {
    for place in places() {
        let old = place.path().join("documents");
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
        let c = place.open().unwrap();
        assert_eq!(c.get("old1").unwrap().as_ref(), &d);
        assert_eq!(c.find_subject("t1", "LX-7"), vec!["old1"]);
        assert!(!old.exists());
        assert!(place.path().join("documents.imported").is_dir());
        drop(c);
        let c = place.open().unwrap();
        assert_eq!(c.list("t1").len(), 1);
        drop(c);
        // An older version run again writes records beside the import: they
        // are imported too, into a folder of their own.
        std::fs::create_dir_all(&old).unwrap();
        let d2 = doc("old2", "legacy2.pdf", "LX-8", &[], IngestStatus::Ready);
        std::fs::write(old.join("old2.json"), serde_json::to_vec(&d2).unwrap()).unwrap();
        let c = place.open().unwrap();
        assert_eq!(c.list("t1").len(), 2);
        assert!(place.path().join("documents.imported.1").is_dir());
    }
}

#[test]
fn readings_belong_to_a_document_version_and_its_extractor_versions() {
    for place in places() {
        let c = place.open().unwrap();
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
}

#[test]
fn review_items_open_once_filter_and_keep_their_decisions() {
    for place in places() {
        let c = place.open().unwrap();
        c.put(doc(
            "d1",
            "a.pdf",
            "AB-100 12 g",
            &["AB-100"],
            IngestStatus::Ready,
        ))
        .unwrap();
        c.put(doc(
            "d2",
            "b.pdf",
            "CD-200 3 g",
            &["CD-200"],
            IngestStatus::Ready,
        ))
        .unwrap();
        assert!(
            c.open_review("r1", "t1", "d1", "AB-100", "mass", "{}")
                .unwrap()
        );
        assert!(
            !c.open_review("r1", "t1", "d1", "AB-100", "mass", "{}")
                .unwrap()
        );
        assert!(
            c.open_review("r2", "t1", "d2", "CD-200", "origin", "{}")
                .unwrap()
        );
        assert!(
            c.open_review("r3", "t2", "d2", "CD-200", "mass", "{}")
                .unwrap()
        );
        let all = ReviewFilter {
            limit: 10,
            ..ReviewFilter::default()
        };
        let ids = |f: &ReviewFilter| -> Vec<String> {
            c.reviews("t1", f)
                .unwrap()
                .into_iter()
                .map(|r| r.id)
                .collect()
        };
        assert_eq!(ids(&all), vec!["r1", "r2"], "{}", place.engine());
        let mass = ReviewFilter {
            field: Some("mass".into()),
            ..all.clone()
        };
        assert_eq!(ids(&mass), vec!["r1"]);
        let one = ReviewFilter {
            limit: 1,
            ..all.clone()
        };
        assert_eq!(ids(&one).len(), 1);
        assert!(
            c.review("t2", "r1").unwrap().is_none(),
            "another tenant's item"
        );

        assert!(
            c.decide_review("t1", "r1", "accepted", "{\"v\":1}")
                .unwrap()
        );
        assert!(!c.decide_review("t1", "r1", "rejected", "{}").unwrap());
        assert!(!c.decide_review("t2", "r2", "accepted", "{}").unwrap());
        let r1 = c.review("t1", "r1").unwrap().unwrap();
        assert_eq!(
            (r1.status.as_str(), r1.body.as_str()),
            ("accepted", "{\"v\":1}")
        );
        let open = ReviewFilter {
            status: Some("open".into()),
            ..all.clone()
        };
        assert_eq!(ids(&open), vec!["r2"]);
        let decided = c
            .decisions_for("t1", &["d1".into(), "d2".into()], "AB-100")
            .unwrap();
        assert_eq!(decided.len(), 1);
        let exported = c.decided_reviews(None).unwrap();
        assert_eq!(exported.len(), 1);
        assert_eq!(exported[0].0, "t1");

        // Items go with their document version.
        c.remove("d1").unwrap();
        assert!(c.review("t1", "r1").unwrap().is_none());
    }
}

#[test]
fn bom_jobs_record_progress_results_and_linked_reviews() {
    for place in places() {
        let c = place.open().unwrap();
        c.put(doc(
            "d1",
            "a.pdf",
            "AB-100",
            &["AB-100"],
            IngestStatus::Ready,
        ))
        .unwrap();
        c.open_review("r1", "t1", "d1", "AB-100", "mass", "{}")
            .unwrap();
        let held = ("w1", Duration::from_secs(60));
        c.create_bom_job("j1", "t1", Some("board"), 3, "{\"lines\":[]}", held)
            .unwrap();
        c.create_bom_job("j2", "t1", None, 1, "{}", held).unwrap();
        assert_eq!(
            c.unfinished_bom_jobs().unwrap().len(),
            2,
            "{}",
            place.engine()
        );
        c.bom_job_progress("j1", 2).unwrap();
        let j1 = c.bom_job("t1", "j1").unwrap().unwrap();
        assert_eq!((j1.status.as_str(), j1.done, j1.lines), ("running", 2, 3));
        assert_eq!(j1.name.as_deref(), Some("board"));
        c.finish_bom_job("j1", Ok("{\"rows\":3}"), &["r1".into(), "nope".into()])
            .unwrap();
        c.finish_bom_job("j2", Err("no lines"), &[]).unwrap();
        let j1 = c.bom_job("t1", "j1").unwrap().unwrap();
        assert_eq!((j1.status.as_str(), j1.done), ("done", 3));
        assert_eq!(j1.result.as_deref(), Some("{\"rows\":3}"));
        assert!(j1.finished_at.is_some());
        let j2 = c.bom_job("t1", "j2").unwrap().unwrap();
        assert_eq!(j2.error.as_deref(), Some("no lines"));
        assert!(c.unfinished_bom_jobs().unwrap().is_empty());
        // Listed newest first, without bodies; the review queue by BOM.
        let listed = c.bom_jobs("t1", 10).unwrap();
        assert_eq!(listed.len(), 2);
        assert!(listed.iter().all(|j| j.request.is_empty()));
        let by_bom = ReviewFilter {
            bom: Some("j1".into()),
            limit: 10,
            ..ReviewFilter::default()
        };
        assert_eq!(c.reviews("t1", &by_bom).unwrap().len(), 1);
        assert!(c.bom_job("t2", "j1").unwrap().is_none());
        assert!(!c.delete_bom_job("t2", "j1").unwrap());
        assert!(c.delete_bom_job("t1", "j1").unwrap());
        assert!(c.bom_job("t1", "j1").unwrap().is_none());
    }
}

#[test]
fn a_second_process_on_a_shared_catalog_sees_changes_made_by_the_first() {
    for place in places() {
        if place.database_url().is_none() {
            continue;
        }
        let a = place.open().unwrap();
        let b = place.open().unwrap();
        a.put(doc("d", "x.pdf", "", &[], IngestStatus::Queued))
            .unwrap();
        assert_eq!(b.get("d").unwrap().meta.status, IngestStatus::Queued);
        a.put(doc(
            "d",
            "x.pdf",
            "EF-300 2 g",
            &["EF-300"],
            IngestStatus::Ready,
        ))
        .unwrap();
        // b's cached copy is stale: it is read again.
        assert_eq!(b.get("d").unwrap().text, "EF-300 2 g");
        assert_eq!(b.find_subject("t1", "EF-300"), vec!["d"]);
        assert_eq!(b.generation(), a.generation());
        a.remove("d").unwrap();
        assert!(b.get("d").is_none());
    }
}

#[test]
fn queued_documents_are_claimed_by_one_worker_until_its_lease_runs_out() {
    use std::time::Duration;
    let long = Duration::from_secs(60);
    for place in places() {
        let c = place.open().unwrap();
        for i in 0..5 {
            c.put(doc(
                &format!("q{i}"),
                &format!("q{i}.txt"),
                "",
                &[],
                IngestStatus::Queued,
            ))
            .unwrap();
        }
        c.put(doc("r", "r.txt", "x", &[], IngestStatus::Ready))
            .unwrap();
        assert!(c.claimable().unwrap());
        let a = c.claim_queued("a", 2, long).unwrap();
        assert_eq!(a, vec!["q0", "q1"], "{}: oldest first", place.engine());
        let b = c.claim_queued("b", 10, long).unwrap();
        assert_eq!(b, vec!["q2", "q3", "q4"], "never a held or ready one");
        assert!(c.claim_queued("c", 10, long).unwrap().is_empty());
        assert!(!c.claimable().unwrap());
        // Claims by id: only what is free or already the owner's.
        let ids: Vec<String> = ["q0", "q2", "r", "ghost"].map(String::from).to_vec();
        assert_eq!(c.claim("a", &ids, long).unwrap(), vec!["q0"]);
        assert_eq!(c.renew("a", &ids, long).unwrap(), 1);
        // A lease that runs out frees the document; a release with a delay
        // frees it only after the delay.
        assert_eq!(
            c.claim("b", &["q3".into()], Duration::ZERO).unwrap(),
            vec!["q3"]
        );
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(c.claim_queued("c", 10, long).unwrap(), vec!["q3"]);
        c.release("b", &["q2".into()], Duration::from_secs(30))
            .unwrap();
        assert!(c.claim_queued("c", 10, long).unwrap().is_empty());
        c.release("b", &["q4".into()], Duration::ZERO).unwrap();
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(c.claim_queued("c", 10, long).unwrap(), vec!["q4"]);
        // A document that is no longer queued is no one's to claim.
        c.update_meta("q1", |m| m.status = IngestStatus::Ready)
            .unwrap();
        c.release_all().unwrap();
        assert_eq!(
            c.claim_queued("d", 10, long).unwrap(),
            vec!["q0", "q2", "q3", "q4"]
        );
    }
}

#[test]
fn concurrent_workers_on_one_catalog_never_claim_a_document_twice() {
    use std::time::Duration;
    for place in places() {
        let c = place.open().unwrap();
        for i in 0..60 {
            c.put(doc(
                &format!("q{i:02}"),
                "q.txt",
                "",
                &[],
                IngestStatus::Queued,
            ))
            .unwrap();
        }
        // Four workers, each with its own handle (as separate processes).
        let claimed: Vec<Vec<String>> = std::thread::scope(|s| {
            let workers: Vec<_> = (0..4)
                .map(|w| {
                    let place = &place;
                    s.spawn(move || {
                        let c = place.open().unwrap();
                        let mut mine = Vec::new();
                        loop {
                            let got = c
                                .claim_queued(&format!("w{w}"), 3, Duration::from_secs(60))
                                .unwrap();
                            if got.is_empty() {
                                break;
                            }
                            mine.extend(got);
                        }
                        mine
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).collect()
        });
        let mut all: Vec<String> = claimed.iter().flatten().cloned().collect();
        let n = all.len();
        all.sort();
        all.dedup();
        assert_eq!((n, all.len()), (60, 60), "{}: {claimed:?}", place.engine());
    }
}

#[test]
fn bom_jobs_run_under_leases_that_another_replica_takes_over_when_they_run_out() {
    for place in places() {
        let c = place.open().unwrap();
        c.create_bom_job("live", "t1", None, 1, "{}", ("a", Duration::from_secs(60)))
            .unwrap();
        c.create_bom_job("dead", "t1", None, 1, "{}", ("b", Duration::ZERO))
            .unwrap();
        std::thread::sleep(Duration::from_millis(5));
        let taken = c.claim_bom_jobs("c", Duration::from_secs(60)).unwrap();
        assert_eq!(
            taken.iter().map(|j| j.id.as_str()).collect::<Vec<_>>(),
            ["dead"],
            "{}",
            place.engine()
        );
        assert_eq!(taken[0].request, "{}");
        assert!(
            c.claim_bom_jobs("d", Duration::from_secs(60))
                .unwrap()
                .is_empty()
        );
        assert!(
            c.renew_bom_job("a", "live", Duration::from_secs(60))
                .unwrap()
        );
        assert!(
            !c.renew_bom_job("b", "dead", Duration::from_secs(60))
                .unwrap()
        );
        // A finished job is never claimed again.
        c.finish_bom_job("dead", Ok("{}"), &[]).unwrap();
        c.release_bom_jobs().unwrap();
        let after = c.claim_bom_jobs("e", Duration::from_secs(60)).unwrap();
        assert_eq!(
            after.iter().map(|j| j.id.as_str()).collect::<Vec<_>>(),
            ["live"]
        );
    }
}

#[test]
fn a_handed_off_version_waits_for_the_store_owner_and_a_deletion_replaces_it() {
    for place in places() {
        let c = place.open().unwrap();
        let lease = Duration::from_secs(60);
        c.put(doc("h1", "a.pdf", "", &[], IngestStatus::Queued))
            .unwrap();
        c.put(doc("h2", "b.pdf", "", &[], IngestStatus::Queued))
            .unwrap();
        assert_eq!(c.claim_queued("w1", 10, lease).unwrap(), ["h1", "h2"]);
        // Only the lease holder hands off.
        assert!(
            !c.hand_off("w2", "h1", b"one").unwrap(),
            "{}",
            place.engine()
        );
        assert!(c.hand_off("w1", "h1", b"one").unwrap());
        assert!(c.hand_off("w1", "h2", b"two").unwrap());
        // Handed off: never claimable by a worker again, even released.
        c.release("w1", &["h1".into(), "h2".into()], Duration::ZERO)
            .unwrap();
        assert!(!c.claimable().unwrap());
        assert!(c.claim_queued("w3", 10, lease).unwrap().is_empty());
        assert_eq!(c.handoffs_pending().unwrap(), 2);
        // The owner claims each once.
        let got = c.claim_handoffs("owner", 10, lease).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(
            (got[0].document_id.as_str(), got[0].kind),
            ("h1", HandoffKind::Publish)
        );
        assert_eq!(got[0].body, b"one");
        assert!(c.claim_handoffs("other", 10, lease).unwrap().is_empty());
        assert!(!c.handoff_waiting().unwrap());
        // A deletion accepted elsewhere while h2 is being applied replaces
        // it: recording the stale publish leaves the deletion in place.
        let removed = c.remove_handing_off("h2").unwrap();
        assert_eq!(removed.unwrap().meta.id, "h2");
        assert!(c.get("h2").is_none());
        c.put(doc("h1", "a.pdf", "text", &[], IngestStatus::Ready))
            .unwrap();
        c.finish_handoff("owner", &got[0]).unwrap();
        c.finish_handoff("owner", &got[1]).unwrap();
        assert_eq!(c.handoffs_pending().unwrap(), 1);
        let next = c.claim_handoffs("owner", 10, lease).unwrap();
        assert_eq!(next.len(), 1);
        assert_eq!(
            (next[0].document_id.as_str(), next[0].kind),
            ("h2", HandoffKind::Delete)
        );
        // Given back after a failure, it waits out its delay.
        c.release_handoff("owner", &next[0], Duration::from_secs(60))
            .unwrap();
        assert!(!c.handoff_waiting().unwrap());
        // Removing a document on the owner drops a version handed off for it.
        c.put(doc("h3", "c.pdf", "", &[], IngestStatus::Queued))
            .unwrap();
        assert_eq!(c.claim_queued("w1", 10, lease).unwrap(), ["h3"]);
        assert!(c.hand_off("w1", "h3", b"three").unwrap());
        c.remove("h3").unwrap();
        assert_eq!(c.handoffs_pending().unwrap(), 1);
    }
}

#[test]
fn the_newest_ready_version_of_a_source_is_read_through_its_index() {
    for place in places() {
        let c = place.open().unwrap();
        // Many ready documents, and three versions of one source.
        for i in 0..200 {
            c.put(doc(
                &format!("d{i:03}"),
                &format!("sheet-{i}.pdf"),
                "Weight: 1 g",
                &[],
                IngestStatus::Ready,
            ))
            .unwrap();
        }
        // `doc` dates a record by its id's bytes: "vb" is newer than "va".
        c.put(doc("va", "relay.pdf", "v1", &[], IngestStatus::Ready))
            .unwrap();
        c.put(doc("vb", "relay.pdf", "v2", &[], IngestStatus::Ready))
            .unwrap();
        c.put(doc("vz", "relay.pdf", "v3", &[], IngestStatus::Queued))
            .unwrap();
        assert_eq!(c.current_for_source("t1", "relay.pdf").unwrap().meta.id, "vb");
        assert_eq!(c.current_for_source("t1", "sheet-7.pdf").unwrap().meta.id, "d007");
        assert!(c.current_for_source("t2", "relay.pdf").is_none());
        if place.database_url().is_none() {
            let db = rusqlite::Connection::open(place.path().join("catalog.sqlite3")).unwrap();
            let plan: Vec<String> = db
                .prepare(&format!("EXPLAIN QUERY PLAN {CURRENT_FOR_SOURCE}"))
                .unwrap()
                .query_map(rusqlite::params!["t1", "relay.pdf"], |r| r.get(3))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert!(
                plan.iter().any(|p| p.contains("documents_by_source")),
                "{plan:?}"
            );
        }
    }
}
