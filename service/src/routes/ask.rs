//! `POST /v1/ask`: a question answered with numbered, verified citations.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;

use attest_engine::ask::{AskRequest, AskResponse, ask as run};

use crate::auth::{Authed, ExtractScope};
use crate::error::{ApiError, ApiJson};
use crate::startup::AppState;

/// A question answered in words, with numbered, verified citations.
#[utoipa::path(
    post,
    path = "/v1/ask",
    tag = "answers",
    request_body = AskRequest,
    responses((status = 200, description = "The answer and its citations", body = AskResponse))
)]
pub async fn ask(
    State(state): State<AppState>,
    Authed(caller, _): Authed<ExtractScope>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<AskRequest>,
) -> Result<Json<AskResponse>, ApiError> {
    super::check_subject(req.subject.as_deref())?;
    let request_id = super::request_id(&headers);
    let answer = run(
        &state.engine,
        &state.extractors,
        &caller.tenant,
        &request_id,
        &req,
    )
    .await?;
    super::audit_answer(&state, &caller, "ask", &request_id, &req.question, &answer);
    Ok(Json(answer))
}
