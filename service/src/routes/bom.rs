//! `POST /v1/bom`: a bill of materials rolled up from cited part values.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};

use attest_engine::bom::{BomError, BomRequest, BomResult, roll_up, to_csv};

use crate::auth::{Authed, ExtractScope};
use crate::error::{ApiError, ApiJson};
use crate::startup::AppState;

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BomQuery {
    /// `json` (the default) or `csv`; `Accept: text/csv` asks for CSV too.
    pub format: Option<String>,
}

impl From<BomError> for ApiError {
    fn from(e: BomError) -> Self {
        match e {
            BomError::BadRequest(m) => ApiError::BadRequest(m),
            BomError::Extract(e) => e.into(),
        }
    }
}

/// Each line's part extracted with verified citations, its line mass, a
/// status with reasons, and the totals: mass, mass by material, recycled
/// share over the mass it covers, origin by share of mass, weakest lines.
#[utoipa::path(
    post,
    path = "/v1/bom",
    tag = "answers",
    request_body = BomRequest,
    params(BomQuery),
    responses((
        status = 200,
        description = "Lines and totals",
        content(
            (BomResult = "application/json"),
            (String = "text/csv"),
        )
    ))
)]
pub async fn bom(
    State(state): State<AppState>,
    Authed(caller, _): Authed<ExtractScope>,
    headers: HeaderMap,
    q: Result<Query<BomQuery>, QueryRejection>,
    ApiJson(req): ApiJson<BomRequest>,
) -> Result<Response, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let wants_csv = match q.format.as_deref() {
        Some("csv") => true,
        Some("json") => false,
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "format {other:?} is neither json nor csv"
            )));
        }
        None => headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/csv")),
    };
    let request_id = super::request_id(&headers);
    let result = roll_up(
        &state.engine,
        &state.extractors,
        &caller.tenant,
        &request_id,
        &req,
    )
    .await?;
    state.audit.record(
        &caller,
        "bom",
        &request_id,
        serde_json::json!({
            "name": result.name,
            "lines": result.lines.len(),
            "totals": result.totals,
            "parts": result.lines.iter().map(|l| serde_json::json!({
                "line": l.line, "part": l.part, "status": l.status, "line_mass_g": l.line_mass_g,
                "documents": l.extraction.provenance.documents,
            })).collect::<Vec<_>>(),
        }),
    );
    if wants_csv {
        return Ok((
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            to_csv(&result),
        )
            .into_response());
    }
    Ok(Json(result).into_response())
}
