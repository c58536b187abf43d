//! The review queue: a disputed value is queued, a verified correction
//! changes the next answer and its provenance, a new version of the
//! document sends the value back to the queue.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};

use crate::helpers::*;

async fn extract_cell(app: &TestApp) -> Value {
    let (status, v) = app
        .post(
            "/v1/extract",
            &json!({"subject": "CR2032", "mode": "rules"}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_citations_verified(app, &v).await;
    v
}

#[tokio::test]
async fn a_reviewers_correction_becomes_the_answer_for_that_document_version() {
    let app = spawn_app().await;
    let doc = app.ingest("datasheets/CR2032_coin_cell.pdf").await;
    let doc_id = doc["id"].as_str().unwrap().to_owned();
    let first = extract_cell(&app).await;
    let reported = first["fields"]["mass"]["grams"].as_f64().unwrap();
    let runner = first["provenance"]["runners_up"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["field"] == "mass" && r["citation"].is_object())
        .expect("a disputed mass")
        .clone();

    // The disputed mass is in the queue, with the alternative.
    let (status, q) = app.get("/v1/review?field=mass&subject=CR2032").await;
    assert_eq!(status, 200, "{q}");
    let items = q["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{q}");
    let item = &items[0];
    let id = item["id"].as_str().unwrap();
    assert_eq!(item["status"], "open");
    assert_eq!(item["document_id"], doc_id.as_str());
    assert_eq!(item["value"], format!("{reported} g"));
    assert!(
        !item["alternatives"].as_array().unwrap().is_empty(),
        "{item}"
    );
    // Asking again queues nothing twice.
    extract_cell(&app).await;
    assert_eq!(
        app.get("/v1/review").await.1["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // A correction whose span does not state the value is refused.
    let cite = &runner["citation"];
    let (start, end) = (
        cite["start"].as_u64().unwrap(),
        cite["end"].as_u64().unwrap(),
    );
    let alt_value = runner["value"].as_str().unwrap();
    let alt_grams: f64 = alt_value
        .rsplit_once('(')
        .unwrap()
        .1
        .trim_end_matches(" g)")
        .parse()
        .unwrap();
    let (status, v) = app
        .post(
            &format!("/v1/review/{id}"),
            &json!({"decision": "correct", "value": "123456 g", "start": start, "end": end}),
        )
        .await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (400, Some("bad_request")),
        "{v}"
    );
    let (status, v) = app
        .post(
            &format!("/v1/review/{id}"),
            &json!({"decision": "correct", "value": "3 g"}),
        )
        .await;
    assert_eq!(status, 400, "{v}");

    // The runner-up's own quote is evidence for its value.
    let (status, decided) = app
        .post(
            &format!("/v1/review/{id}"),
            &json!({"decision": "correct", "value": format!("{alt_grams} g"), "start": start, "end": end, "reason": "the bare cell, not the packed one"}),
        )
        .await;
    assert_eq!(status, 200, "{decided}");
    assert_eq!(decided["status"], "corrected");
    assert_eq!(decided["decision"]["reviewer"], "open");
    assert_eq!(decided["decision"]["citation"]["quote"], cite["quote"]);
    // Decided once.
    let (status, v) = app
        .post(&format!("/v1/review/{id}"), &json!({"decision": "accept"}))
        .await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (409, Some("conflict"))
    );
    assert!(
        app.get("/v1/review").await.1["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        app.get("/v1/review?status=corrected").await.1["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // The next answer is the reviewer's, with its citation and provenance.
    let after = extract_cell(&app).await;
    let mass = &after["fields"]["mass"];
    assert_eq!(mass["grams"].as_f64().unwrap(), alt_grams, "{after}");
    assert_eq!(mass["extractor"], "review");
    assert_eq!(mass["confidence"], 1.0);
    assert_eq!(mass["citations"][0]["start"], cite["start"]);
    assert!(
        after["provenance"]["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains(id)),
        "{after}"
    );

    // A new version of the document: the decision was about the old one,
    // so the value is extracted and queued again.
    let mut bytes = std::fs::read(corpus("datasheets/CR2032_coin_cell.pdf")).unwrap();
    bytes.extend_from_slice(b"\n% revised\n");
    let (status, up) = app.upload_bytes("CR2032_coin_cell.pdf", bytes).await;
    assert_eq!(status, 202, "{up}");
    app.wait(up["id"].as_str().unwrap()).await;
    let again = extract_cell(&app).await;
    assert_eq!(again["fields"]["mass"]["grams"].as_f64().unwrap(), reported);
    assert_ne!(again["fields"]["mass"]["extractor"], "review");
    let open = app.get("/v1/review").await.1;
    let open = open["items"].as_array().unwrap();
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["document_id"], up["id"]);
}
