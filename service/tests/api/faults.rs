//! A Qdrant server that is down: the service starts anyway, says it is not
//! ready, answers store calls with 503 `unavailable`, and keeps what it
//! acknowledged queued for when the server is back.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::json;
use tokio::net::TcpListener;

use crate::helpers::spawn_with;

/// A TCP front for the store's port whose upstream is down: it accepts each
/// connection and drops it at once.
async fn dropping_proxy() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    tokio::spawn(async move {
        while let Ok((conn, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            drop(conn);
        }
    });
    (port, seen)
}

/// Past the one-per-second reconnect throttle, a search tries the store
/// again and says it is unavailable.
async fn search_after_throttle_is_unavailable(app: &crate::helpers::TestApp) {
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (status, v) = app
        .post("/v1/search", &json!({"query": "weight of the relay"}))
        .await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (503, Some("unavailable")),
        "{v}"
    );
}

#[tokio::test]
async fn an_unreachable_store_is_unavailable_not_fatal() {
    let (port, seen) = dropping_proxy().await;
    let app = spawn_with(move |s| {
        s.qdrant_url = Some(format!("http://127.0.0.1:{port}"));
    })
    .await;
    assert!(seen.load(Ordering::SeqCst) > 0, "the store was tried");

    let (status, ready) = app.get("/readyz").await;
    assert_eq!(status, 503, "{ready}");
    assert_eq!(ready["status"], "unavailable");
    assert_eq!(ready["store"]["ok"], false);
    assert_eq!(app.get("/healthz").await.0, 200);

    let before = seen.load(Ordering::SeqCst);
    search_after_throttle_is_unavailable(&app).await;
    assert!(
        seen.load(Ordering::SeqCst) > before,
        "a reconnect was attempted"
    );

    // An upload is acknowledged and kept: queued, neither lost nor failed.
    let (status, up) = app
        .upload_bytes("note.txt", b"Made in Japan. Weight: 3 g".to_vec())
        .await;
    assert_eq!(status, 202, "{up}");
    let id = up["id"].as_str().unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let (_, meta) = app.get(&format!("/v1/documents/{id}")).await;
    assert_eq!(meta["status"], "queued", "{meta}");
}

/// A TCP front whose upstream never answers: connections are accepted and
/// held open in silence.
async fn silent_proxy() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((conn, _)) = listener.accept().await {
            held.push(conn);
        }
    });
    port
}

#[tokio::test]
async fn a_store_that_does_not_answer_is_unavailable_within_bounds() {
    let port = silent_proxy().await;
    let started = std::time::Instant::now();
    let app = spawn_with(move |s| {
        s.qdrant_url = Some(format!("http://127.0.0.1:{port}"));
    })
    .await;
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "start-up waited {:?} for a silent store",
        started.elapsed()
    );
    let t = std::time::Instant::now();
    let (status, ready) = app.get("/readyz").await;
    assert_eq!(status, 503, "{ready}");
    assert!(
        t.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        t.elapsed()
    );
    let t = std::time::Instant::now();
    search_after_throttle_is_unavailable(&app).await;
    assert!(
        t.elapsed() < std::time::Duration::from_secs(15),
        "{:?}",
        t.elapsed()
    );
}
