//! `POST /v1/bom`: a bill of materials rolled up from cited part values.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};

use attest_engine::bom::{
    BomError, BomRequest, BomResult, ColumnNames, lines_from_file, roll_up, to_csv,
};
use attest_engine::extract::Mode;

use crate::auth::{Authed, ExtractScope};
use axum::extract::FromRequest;

use crate::error::{ApiError, ApiJson};
use crate::startup::AppState;

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BomQuery {
    /// `json` (the default) or `csv`; `Accept: text/csv` asks for CSV too.
    pub format: Option<String>,
    /// Uploaded files: the header of the part column, when it is not one
    /// of "Part Number", "MPN", "Part", "Item"…
    pub part_column: Option<String>,
    /// Uploaded files: the header of the quantity column, when it is not
    /// one of "Qty", "Quantity"…
    pub quantity_column: Option<String>,
    /// Uploaded files: the BOM's name.
    pub name: Option<String>,
    /// Uploaded files: the extraction mode.
    pub mode: Option<Mode>,
}

/// The upload form: a CSV or XLSX file with a header row.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct BomUpload {
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// The BOM of a JSON body or of an uploaded file.
async fn read_request(
    state: &AppState,
    q: &BomQuery,
    req: axum::extract::Request,
) -> Result<BomRequest, ApiError> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("multipart/form-data"));
    if !multipart {
        let ApiJson(body) = ApiJson::<BomRequest>::from_request(req, state).await?;
        return Ok(body);
    }
    let form = axum::extract::Multipart::from_request(req, state).await;
    let (name, bytes) = super::file_field(form, BOM_BODY_LIMIT as u64).await?;
    let name = if name.is_empty() {
        "bom.csv".to_owned()
    } else {
        name
    };
    let columns = ColumnNames {
        part: q.part_column.clone(),
        quantity: q.quantity_column.clone(),
    };
    let lines = tokio::task::spawn_blocking(move || lines_from_file(&name, &bytes, &columns))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok(BomRequest {
        name: q.name.clone(),
        lines,
        mode: q.mode,
    })
}

/// Largest BOM body or file.
pub const BOM_BODY_LIMIT: usize = 8 * 1024 * 1024;

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
    request_body(content(
        (BomRequest = "application/json"),
        (BomUpload = "multipart/form-data"),
    )),
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
    body: axum::extract::Request,
) -> Result<Response, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let req = read_request(&state, &q, body).await?;
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
