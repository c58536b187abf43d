//! `POST /v1/ask`: a question answered with numbered, verified citations.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;

use attest_engine::ask::{AskRequest, AskResponse, ask as run};
use attest_engine::document::DEFAULT_TENANT;

use crate::error::{ApiError, ApiJson};
use crate::startup::AppState;

pub async fn ask(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<AskRequest>,
) -> Result<Json<AskResponse>, ApiError> {
    super::check_subject(req.subject.as_deref())?;
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
