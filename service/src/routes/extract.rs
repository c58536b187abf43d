//! `POST /v1/extract`: the four fields with verified citations.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;

use attest_engine::document::DEFAULT_TENANT;
use attest_engine::extract::{ExtractRequest, ExtractResponse, extract as run};

use crate::error::{ApiError, ApiJson};
use crate::startup::AppState;

pub async fn extract(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<ExtractRequest>,
) -> Result<Json<ExtractResponse>, ApiError> {
    super::check_subject(req.subject.as_deref())?;
    if req.document_ids.as_ref().is_some_and(|d| d.len() > 1000) {
        return Err(ApiError::BadRequest("at most 1000 document_ids".into()));
    }
    let request_id = super::request_id(&headers);
    Ok(Json(
        run(
            &state.engine,
            &state.extractors,
            DEFAULT_TENANT,
            &request_id,
            &req,
        )
        .await?,
    ))
}
