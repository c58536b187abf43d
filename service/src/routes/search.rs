//! `POST /v1/search`: hybrid retrieval over chunks.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use attest_engine::document::DEFAULT_TENANT;
use attest_engine::search::{SearchRequest, search as run};

use crate::error::{ApiError, ApiJson};
use crate::startup::AppState;

pub async fn search(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<SearchRequest>,
) -> Result<Json<Value>, ApiError> {
    if req.query.trim().is_empty() {
        return Err(ApiError::BadRequest("query must not be empty".into()));
    }
    if req.query.chars().count() > 2000 {
        return Err(ApiError::BadRequest(
            "query is longer than 2000 characters".into(),
        ));
    }
    let hits = run(&state.engine, DEFAULT_TENANT, &req).await?;
    Ok(Json(json!({ "results": hits })))
}
