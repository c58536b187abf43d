//! Liveness and readiness.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use attest_engine::config::AuthMode;
use attest_engine::document::{DEFAULT_TENANT, IngestStatus};
use attest_engine::store::ChunkFilter;

use crate::startup::AppState;

/// `GET /healthz`: the process answers.
pub async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// `GET /readyz`: the store answers and the model is loaded.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let engine = &state.engine;
    let store = engine
        .store
        .count(ChunkFilter {
            tenant: DEFAULT_TENANT.into(),
            doc_ids: None,
        })
        .await;
    let mut body = json!({
        "status": if store.is_ok() { "ready" } else { "unavailable" },
        "store": {"backend": engine.store.backend(), "ok": store.is_ok()},
        "model": {"name": engine.embedder.model_name(), "dim": engine.embedder.dim()},
    });
    // Without keys there is one tenant and nothing to hide from it; with
    // keys, readiness says nothing about any tenant's documents.
    if state.settings.auth == AuthMode::Open {
        let docs = engine.catalog.list(DEFAULT_TENANT);
        let count = |s: IngestStatus| docs.iter().filter(|d| d.status == s).count();
        body["store"]["chunks"] = json!(store.as_ref().ok());
        body["documents"] = json!({"ready": count(IngestStatus::Ready), "queued": count(IngestStatus::Queued), "failed": count(IngestStatus::Failed)});
    }
    let code = if store.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(body))
}
