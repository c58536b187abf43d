//! `POST /v1/extract`: the four fields with verified citations.

use std::time::Duration;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};

use attest_engine::extract::{ExtractRequest, ExtractResponse, extract as run};

use crate::auth::{Authed, Caller, ExtractScope};
use crate::error::{ApiError, ApiJson};
use crate::startup::AppState;

/// The four fields for a subject or documents, each value with verified
/// citations and the provenance that reproduces it.
#[utoipa::path(
    post,
    path = "/v1/extract",
    tag = "answers",
    request_body = ExtractRequest,
    responses((status = 200, description = "Values, fields not found, provenance", body = ExtractResponse))
)]
pub async fn extract(
    State(state): State<AppState>,
    Authed(caller, _): Authed<ExtractScope>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<ExtractRequest>,
) -> Result<Json<ExtractResponse>, ApiError> {
    let request_id = super::request_id(&headers);
    let resp = run_extract(&state, &caller, &request_id, &req).await?;
    state.audit.record(
        &caller,
        "extract",
        &request_id,
        serde_json::json!({
            "subject": resp.subject,
            "request": req,
            "fields": resp.fields,
            "not_found": resp.not_found,
            "provenance": resp.provenance,
        }),
    );
    Ok(Json(resp))
}

async fn run_extract(
    state: &AppState,
    caller: &Caller,
    request_id: &str,
    req: &ExtractRequest,
) -> Result<ExtractResponse, ApiError> {
    super::check_subject(req.subject.as_deref())?;
    if req.document_ids.as_ref().is_some_and(|d| d.len() > 1000) {
        return Err(ApiError::BadRequest("at most 1000 document_ids".into()));
    }
    Ok(run(
        &state.engine,
        &state.extractors,
        &caller.tenant,
        request_id,
        req,
    )
    .await?)
}

/// Query form of an evidence request: `subject`, `document_ids` and
/// `fields` (comma-separated), `mode`.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EvidenceQuery {
    pub subject: Option<String>,
    pub document_ids: Option<String>,
    pub fields: Option<String>,
    pub mode: Option<String>,
}

impl EvidenceQuery {
    fn into_request(self) -> Result<ExtractRequest, ApiError> {
        let list = |s: Option<String>| -> Option<Vec<String>> {
            s.map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|x| !x.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
        };
        let fields = match list(self.fields) {
            Some(f) => Some(
                f.iter()
                    .map(|x| {
                        serde_json::from_value(serde_json::Value::String(x.clone()))
                            .map_err(|_| ApiError::BadRequest(format!("unknown field {x:?}")))
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            None => None,
        };
        let mode = match self.mode {
            Some(m) => Some(
                attest_engine::extract::Mode::parse(&m)
                    .ok_or_else(|| ApiError::BadRequest(format!("unknown mode {m:?}")))?,
            ),
            None => None,
        };
        Ok(ExtractRequest {
            subject: self.subject,
            document_ids: list(self.document_ids),
            fields,
            mode,
        })
    }
}

/// `GET /v1/extract/evidence?subject=…`: the extraction answer with, for
/// each value, the quote, the document's hash and a crop of the page
/// around the cited boxes, as a ZIP (see `attest_engine::evidence`).
#[utoipa::path(
    get,
    path = "/v1/extract/evidence",
    tag = "answers",
    params(EvidenceQuery),
    responses((
        status = 200,
        description = "A ZIP: the answer, the quotes, the documents' hashes and page crops",
        content_type = "application/zip",
        body = Vec<u8>
    ))
)]
pub async fn evidence(
    State(state): State<AppState>,
    Authed(caller, _): Authed<ExtractScope>,
    headers: HeaderMap,
    q: Result<Query<EvidenceQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let req = q.into_request()?;
    let request_id = super::request_id(&headers);
    let resp = run_extract(&state, &caller, &request_id, &req).await?;
    state.audit.record(
        &caller,
        "evidence",
        &request_id,
        serde_json::json!({
            "subject": resp.subject,
            "request": req,
            "fields": resp.fields,
            "provenance": resp.provenance,
        }),
    );
    let tenant = caller.tenant.clone();
    let engine = state.engine.clone();
    let timeout = Duration::from_secs(state.settings.pdf_timeout_secs.max(1));
    let name = resp
        .subject
        .as_deref()
        .unwrap_or("documents")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect::<String>();
    // The originals the answer cites, as files on this machine.
    let mut originals = std::collections::HashMap::new();
    for d in &resp.provenance.documents {
        if let Some(doc) = engine
            .catalog
            .get(&d.id)
            .filter(|d| d.meta.tenant == tenant)
        {
            originals.insert(
                d.id.clone(),
                (doc, engine.originals.local_copy(&d.id).await?),
            );
        }
    }
    let zip = tokio::task::spawn_blocking(move || {
        let doc_of = |id: &str| originals.get(id).cloned();
        attest_engine::evidence::pack(&resp, &doc_of, timeout)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
    .map_err(ApiError::Internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"evidence-{name}.zip\""),
            ),
        ],
        zip,
    )
        .into_response())
}
