//! Liveness and readiness.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

use attest_engine::config::AuthMode;
use attest_engine::document::{DEFAULT_TENANT, IngestStatus};
use attest_engine::store::{ChunkFilter, StoreError};

use crate::startup::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    pub status: String,
}

/// The process answers.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses((status = 200, description = "Alive", body = Health))
)]
pub async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
    })
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Readiness {
    /// `ready` or `unavailable`.
    pub status: String,
    pub store: StoreStatus,
    pub model: ModelStatus,
    /// Without keys only (one tenant).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub documents: Option<DocumentCounts>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct StoreStatus {
    pub backend: String,
    pub ok: bool,
    /// Without keys only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chunks: Option<u64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ModelStatus {
    pub name: String,
    pub dim: usize,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DocumentCounts {
    pub ready: usize,
    pub queued: usize,
    pub failed: usize,
}

/// The store answers and the model is loaded.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    responses(
        (status = 200, description = "Ready", body = Readiness),
        (status = 503, description = "The store does not answer", body = Readiness),
    )
)]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let engine = &state.engine;
    // A probe answers quickly: a store that has not answered in 2 s is
    // not ready.
    let store = if engine.has_store() {
        tokio::time::timeout(
            std::time::Duration::from_secs(2),
            engine.store.count(ChunkFilter {
                tenant: DEFAULT_TENANT.into(),
                doc_ids: None,
            }),
        )
        .await
        .unwrap_or_else(|_| Err(StoreError::Unavailable("no answer within 2 s".into())))
        .map(|n| Some(n as u64))
    } else {
        // A replica without a store (`--no-store`) is ready when the
        // catalog it hands writes through answers.
        let catalog = engine.catalog.clone();
        match tokio::time::timeout(
            std::time::Duration::from_secs(2),
            tokio::task::spawn_blocking(move || catalog.handoffs_pending()),
        )
        .await
        {
            Ok(Ok(Ok(_))) => Ok(None),
            Ok(Ok(Err(e))) => Err(StoreError::Unavailable(format!("catalog: {e}"))),
            _ => Err(StoreError::Unavailable(
                "the catalog gave no answer within 2 s".into(),
            )),
        }
    };
    // Without keys there is one tenant and nothing to hide from it; with
    // keys, readiness says nothing about any tenant's documents.
    let open = state.settings.auth == AuthMode::Open;
    let documents = open.then(|| {
        let docs = engine.catalog.list(DEFAULT_TENANT);
        let count = |s: IngestStatus| docs.iter().filter(|d| d.status == s).count();
        DocumentCounts {
            ready: count(IngestStatus::Ready),
            queued: count(IngestStatus::Queued),
            failed: count(IngestStatus::Failed),
        }
    });
    let body = Readiness {
        status: if store.is_ok() {
            "ready"
        } else {
            "unavailable"
        }
        .into(),
        store: StoreStatus {
            backend: engine.store.backend().into(),
            ok: store.is_ok(),
            chunks: if open {
                store.as_ref().ok().copied().flatten()
            } else {
                None
            },
        },
        model: ModelStatus {
            name: engine.embedder.model_name().into(),
            dim: engine.embedder.dim(),
        },
        documents,
    };
    let code = if store.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(body))
}
