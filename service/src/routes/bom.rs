//! `POST /v1/bom`: a bill of materials rolled up from cited part values.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};

use attest_engine::bom::{
    BomError, BomRequest, BomResult, ColumnNames, lines_from_file, roll_up, to_csv, to_xlsx,
};
use attest_engine::bom_jobs::{BomJob, JobError, JobStatus};
use attest_engine::extract::Mode;

use crate::auth::{Authed, ExtractScope};
use axum::extract::FromRequest;

use crate::error::{ApiError, ApiJson};
use crate::startup::AppState;

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BomQuery {
    /// `json` (the default), `csv` or `xlsx`; `Accept: text/csv` or the
    /// XLSX media type ask for them too.
    pub format: Option<String>,
    /// Run as a job: answer `202` with the job at once, and roll up in the
    /// background (`GET /v1/bom/{id}`). BOMs of more than 200 lines always
    /// run as jobs.
    #[serde(rename = "async")]
    #[param(rename = "async")]
    pub run_async: Option<bool>,
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

/// BOMs with more lines than this run as jobs.
pub const SYNC_MAX_LINES: usize = 200;
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Csv,
    Xlsx,
}

fn format_of(q: Option<&str>, headers: &HeaderMap) -> Result<Format, ApiError> {
    match q {
        Some("json") => Ok(Format::Json),
        Some("csv") => Ok(Format::Csv),
        Some("xlsx") => Ok(Format::Xlsx),
        Some(other) => Err(ApiError::BadRequest(format!(
            "format {other:?} is not json, csv or xlsx"
        ))),
        None => {
            let accept = headers
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            Ok(if accept.contains("text/csv") {
                Format::Csv
            } else if accept.contains(XLSX) {
                Format::Xlsx
            } else {
                Format::Json
            })
        }
    }
}

/// The roll-up in the format asked for.
fn export(result: &BomResult, format: Format) -> Result<Response, ApiError> {
    let file = result
        .name
        .as_deref()
        .map(|n| {
            n.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect::<String>()
        })
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "bom".to_owned());
    Ok(match format {
        Format::Json => Json(result).into_response(),
        Format::Csv => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{file}.csv\""),
                ),
            ],
            to_csv(result),
        )
            .into_response(),
        Format::Xlsx => (
            [
                (header::CONTENT_TYPE, XLSX.to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{file}.xlsx\""),
                ),
            ],
            to_xlsx(result).map_err(|e| ApiError::Internal(e.to_string()))?,
        )
            .into_response(),
    })
}

impl From<JobError> for ApiError {
    fn from(e: JobError) -> Self {
        match e {
            JobError::Bom(b) => b.into(),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

/// Each line's part extracted with verified citations, its line mass, a
/// status with reasons, and the totals: mass, mass by material, recycled
/// share over the mass it covers, origin by share of mass, weakest lines.
/// With `async=true`, or more than 200 lines, the BOM runs as a job:
/// `202` with the job and its `Location`.
#[utoipa::path(
    post,
    path = "/v1/bom",
    tag = "answers",
    request_body(content(
        (BomRequest = "application/json"),
        (BomUpload = "multipart/form-data"),
    )),
    params(BomQuery),
    responses(
        (
            status = 200,
            description = "Lines and totals",
            content(
                (BomResult = "application/json"),
                (String = "text/csv"),
                (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            )
        ),
        (status = 202, description = "Accepted as a job", body = BomJob),
    )
)]
pub async fn bom(
    State(state): State<AppState>,
    Authed(caller, _): Authed<ExtractScope>,
    headers: HeaderMap,
    q: Result<Query<BomQuery>, QueryRejection>,
    body: axum::extract::Request,
) -> Result<Response, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let format = format_of(q.format.as_deref(), &headers)?;
    let req = read_request(&state, &q, body).await?;
    let request_id = super::request_id(&headers);
    if q.run_async.unwrap_or(false) || req.lines.len() > SYNC_MAX_LINES {
        let jobs = state.bom_jobs.clone();
        let tenant = caller.tenant.clone();
        let job = tokio::task::spawn_blocking(move || jobs.submit(&tenant, &req))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))??;
        state.audit.record(
            &caller,
            "bom_job",
            &request_id,
            serde_json::json!({"job": job.id, "name": job.name, "lines": job.lines}),
        );
        let location = format!("/v1/bom/{}", job.id);
        return Ok((
            axum::http::StatusCode::ACCEPTED,
            [(header::LOCATION, location)],
            Json(job),
        )
            .into_response());
    }
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
    export(&result, format)
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct JobQuery {
    /// `json` (the default: the job, with its result once done), `csv` or
    /// `xlsx` (the result of a finished job).
    pub format: Option<String>,
}

/// A BOM job: its progress, and its roll-up once done (`?format=csv|xlsx`
/// exports it).
#[utoipa::path(
    get,
    path = "/v1/bom/{id}",
    tag = "answers",
    params(("id" = String, Path, description = "Job id"), JobQuery),
    responses(
        (
            status = 200,
            description = "The job, or its exported result",
            content(
                (BomJob = "application/json"),
                (String = "text/csv"),
                (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            )
        ),
    )
)]
pub async fn job(
    State(state): State<AppState>,
    Authed(caller, _): Authed<ExtractScope>,
    headers: HeaderMap,
    Path(id): Path<String>,
    q: Result<Query<JobQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let format = format_of(q.format.as_deref(), &headers)?;
    let jobs = state.bom_jobs.clone();
    let tenant = caller.tenant.clone();
    let job_id = id.clone();
    let job = tokio::task::spawn_blocking(move || jobs.get(&tenant, &job_id))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??
        .ok_or(ApiError::NotFound {
            what: format!("BOM job {id}"),
        })?;
    if format == Format::Json {
        return Ok(Json(job).into_response());
    }
    match (&job.status, &job.result) {
        (JobStatus::Done, Some(result)) => export(result, format),
        _ => Err(ApiError::Conflict(format!(
            "BOM job {id} has not finished ({} of {} lines)",
            job.done, job.lines
        ))),
    }
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct BomJobList {
    /// Newest first, without results.
    pub jobs: Vec<BomJob>,
}

/// The tenant's BOM jobs, newest first (at most 100), without results.
#[utoipa::path(
    get,
    path = "/v1/bom",
    tag = "answers",
    responses((status = 200, description = "Jobs", body = BomJobList))
)]
pub async fn jobs(
    State(state): State<AppState>,
    Authed(caller, _): Authed<ExtractScope>,
) -> Result<Json<BomJobList>, ApiError> {
    let jobs = state.bom_jobs.clone();
    let tenant = caller.tenant.clone();
    let jobs = tokio::task::spawn_blocking(move || jobs.list(&tenant, 100))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok(Json(BomJobList { jobs }))
}
