//! `POST /v1/search`: hybrid retrieval over chunks.

use axum::Json;
use axum::extract::State;
use serde::Serialize;

use attest_engine::search::{SearchHit, SearchRequest, search as run};

use crate::auth::{Authed, ReadScope};
use crate::error::{ApiError, ApiJson};
use crate::startup::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub struct SearchResults {
    /// Best first.
    pub results: Vec<SearchHit>,
}

/// Hybrid search over chunks (dense embedding and BM25, fused).
#[utoipa::path(
    post,
    path = "/v1/search",
    tag = "answers",
    request_body = SearchRequest,
    responses((status = 200, description = "Matching chunks with their spans", body = SearchResults))
)]
pub async fn search(
    State(state): State<AppState>,
    Authed(caller, _): Authed<ReadScope>,
    ApiJson(req): ApiJson<SearchRequest>,
) -> Result<Json<SearchResults>, ApiError> {
    if req.query.trim().is_empty() {
        return Err(ApiError::BadRequest("query must not be empty".into()));
    }
    if req.query.chars().count() > 2000 {
        return Err(ApiError::BadRequest(
            "query is longer than 2000 characters".into(),
        ));
    }
    if let Some(ids) = &req.document_ids {
        if ids.len() > 1000 {
            return Err(ApiError::BadRequest("at most 1000 document_ids".into()));
        }
        // Unknown and other tenants' ids alike: not found.
        let unknown: Vec<&str> = ids
            .iter()
            .filter(|id| {
                state
                    .engine
                    .catalog
                    .get(id)
                    .is_none_or(|d| d.meta.tenant != caller.tenant)
            })
            .map(String::as_str)
            .collect();
        if !unknown.is_empty() {
            return Err(ApiError::NotFound {
                what: format!("documents {}", unknown.join(", ")),
            });
        }
    }
    let hits = run(&state.engine, &caller.tenant, &req).await?;
    Ok(Json(SearchResults { results: hits }))
}
