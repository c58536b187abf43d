//! Prometheus metrics: the recorder, the per-request middleware and
//! `GET /metrics`.
//!
//! Families (all prefixed `attest_`): HTTP requests and latency by route
//! and status, requests in flight, the ingest counters and timings the
//! engine records (documents by outcome and code, pages, chunks, embedding
//! batches), query-embedding batches and queue, store latency, language
//! model calls, tokens, latency and errors, values dropped as unverifiable,
//! and gauges read at scrape time (documents by status).

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use attest_engine::document::IngestStatus;

use crate::auth::{Authed, MetricsScope};
use crate::startup::AppState;

/// Latency buckets in seconds, 1 ms to 2 min.
const SECONDS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0,
];
const SIZES: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];

/// The process's recorder, installed by the first caller.
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS)
            .and_then(|b| b.set_buckets_for_metric(Matcher::Suffix("_size".into()), SIZES));
        match builder.and_then(|b| b.install_recorder()) {
            Ok(h) => h,
            Err(e) => {
                // Another recorder owns the process (embedding attest in a
                // program that has one): render this one's, unregistered.
                tracing::warn!(error = %e, "metrics recorder not installed");
                PrometheusBuilder::new().build_recorder().handle()
            }
        }
    })
}

/// Counts and times every request by its route template (never the raw
/// path, so ids do not multiply the series).
pub async fn track(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = req.method().as_str().to_owned();
    let start = Instant::now();
    let in_flight = metrics::gauge!("attest_http_requests_in_flight");
    in_flight.increment(1.0);
    let response = next.run(req).await;
    in_flight.decrement(1.0);
    let status = response.status().as_u16().to_string();
    let labels = [("route", route), ("method", method), ("status", status)];
    metrics::counter!("attest_http_requests_total", &labels).increment(1);
    metrics::histogram!("attest_http_request_duration_seconds", &labels)
        .record(start.elapsed().as_secs_f64());
    response
}

/// Prometheus metrics in the text format (a key with the `metrics` scope).
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses((status = 200, description = "Metrics", content_type = "text/plain", body = String))
)]
pub async fn scrape(State(state): State<AppState>, _: Authed<MetricsScope>) -> Response {
    let catalog = &state.engine.catalog;
    let counts = tokio::task::spawn_blocking({
        let engine = state.engine.clone();
        move || engine.catalog.status_counts()
    })
    .await
    .unwrap_or_default();
    for status in [
        IngestStatus::Queued,
        IngestStatus::Ready,
        IngestStatus::Failed,
    ] {
        let name = match status {
            IngestStatus::Queued => "queued",
            IngestStatus::Ready => "ready",
            IngestStatus::Failed => "failed",
        };
        let n = counts.get(&status).copied().unwrap_or(0);
        metrics::gauge!("attest_documents", "status" => name).set(n as f64);
    }
    metrics::gauge!("attest_catalog_generation").set(catalog.generation() as f64);
    let h = handle();
    h.run_upkeep();
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        h.render(),
    )
        .into_response()
}
