//! `/v1/documents`: upload, list, read, delete.

use std::time::Duration;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;

use attest_engine::document::{DocumentMeta, IngestStatus, PageGeometry, PageSpan, Table};
use attest_engine::render::{self, RenderError};

use crate::auth::{Authed, Caller, IngestScope, ReadScope};
use crate::error::ApiError;
use crate::startup::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Uploaded {
    pub id: String,
    pub status: IngestStatus,
    /// True when the same content was already stored (nothing changed).
    pub unchanged: bool,
}

/// The upload form: one file.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DocumentList {
    pub documents: Vec<DocumentMeta>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Deleted {
    pub id: String,
    pub deleted: bool,
}

/// `POST /v1/documents` (multipart, field `file`). The file is stored
/// durably before the answer; ingest continues in the background.
#[utoipa::path(
    post,
    path = "/v1/documents",
    tag = "documents",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 202, description = "Stored; ingest continues in the background", body = Uploaded),
        (status = 200, description = "The same file was already stored", body = Uploaded),
    )
)]
pub async fn upload(
    State(state): State<AppState>,
    Authed(caller, _): Authed<IngestScope>,
    headers: axum::http::HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<(StatusCode, Json<Uploaded>), ApiError> {
    let limit = state.settings.max_upload_bytes;
    let (name, bytes) = super::file_field(multipart, limit).await?;
    let name = Some(sanitize_name(&name))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "upload".to_owned());
    let bytes = bytes.to_vec();

    let engine = state.engine.clone();
    let tenant = caller.tenant.clone();
    let source = name.clone();
    let size = bytes.len();
    let sha256 = attest_engine::document::content_sha256(&bytes);
    // In its own task: a client that goes away does not cut a submission
    // in half.
    let submitted = tokio::spawn(async move { engine.submit(&tenant, &name, &bytes).await })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    state.audit.record(
        &caller,
        "upload",
        &super::request_id(&headers),
        json!({
            "document_id": submitted.id,
            "source": source,
            "sha256": sha256,
            "bytes": size,
            "unchanged": submitted.unchanged,
        }),
    );
    if submitted.status == IngestStatus::Queued
        && !state.engine.enqueue(&submitted.id)
        && state.settings.worker
    {
        // The record stays queued on disk and is picked up at the next start.
        // (Without a worker of its own, this process leaves it to others.)
        return Err(ApiError::Internal("ingest worker is not running".into()));
    }
    let status = if submitted.unchanged {
        StatusCode::OK
    } else {
        StatusCode::ACCEPTED
    };
    Ok((
        status,
        Json(Uploaded {
            id: submitted.id,
            status: submitted.status,
            unchanged: submitted.unchanged,
        }),
    ))
}

/// Keeps the last path component of a client-supplied file name.
fn sanitize_name(name: &str) -> String {
    name.rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .take(255)
        .collect()
}

/// The caller's tenant's documents with their ingest status.
#[utoipa::path(
    get,
    path = "/v1/documents",
    tag = "documents",
    responses((status = 200, description = "Documents, oldest first", body = DocumentList))
)]
pub async fn list(
    State(state): State<AppState>,
    Authed(caller, _): Authed<ReadScope>,
) -> Json<DocumentList> {
    Json(DocumentList {
        documents: state.engine.catalog.list(&caller.tenant),
    })
}

/// A document of the caller's tenant; another tenant's id is as unknown as
/// an id that never existed.
fn find(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<std::sync::Arc<attest_engine::document::Document>, ApiError> {
    state
        .engine
        .catalog
        .get(id)
        .filter(|d| d.meta.tenant == caller.tenant)
        .ok_or_else(|| ApiError::NotFound {
            what: format!("document {id}"),
        })
}

/// `GET /v1/documents/{id}`: metadata and ingest status.
#[utoipa::path(
    get,
    path = "/v1/documents/{id}",
    tag = "documents",
    params(("id" = String, Path, description = "Document id")),
    responses((status = 200, description = "Metadata and ingest status", body = DocumentMeta))
)]
pub async fn get(
    State(state): State<AppState>,
    Authed(caller, _): Authed<ReadScope>,
    Path(id): Path<String>,
) -> Result<Json<DocumentMeta>, ApiError> {
    Ok(Json(find(&state, &caller, &id)?.meta.clone()))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DocumentText {
    pub id: String,
    /// Offsets in `pages` and in every citation are Unicode code points
    /// into this text.
    pub text: String,
    pub pages: Vec<PageSpan>,
    /// PDFs: each page's size in points and which source read it
    /// (`pdftotext`, `pdf-extract`, `ocr`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub geometry: Vec<PageGeometry>,
    /// Tables found in the document, each row one line of `text`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tables: Vec<Table>,
}

/// The canonical text every citation's offsets point into.
#[utoipa::path(
    get,
    path = "/v1/documents/{id}/text",
    tag = "documents",
    params(("id" = String, Path, description = "Document id")),
    responses((status = 200, description = "Text, pages, geometry and tables", body = DocumentText))
)]
pub async fn text(
    State(state): State<AppState>,
    Authed(caller, _): Authed<ReadScope>,
    Path(id): Path<String>,
) -> Result<Json<DocumentText>, ApiError> {
    let doc = ready(&state, &caller, &id)?;
    Ok(Json(DocumentText {
        id: doc.meta.id.clone(),
        text: doc.text.clone(),
        pages: doc.pages.clone(),
        geometry: doc
            .layout
            .as_ref()
            .map(|l| l.pages.clone())
            .unwrap_or_default(),
        tables: doc.tables.clone(),
    }))
}

/// A ready document of the tenant, or why not.
pub(crate) fn ready(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<std::sync::Arc<attest_engine::document::Document>, ApiError> {
    let doc = find(state, caller, id)?;
    if doc.meta.status != IngestStatus::Ready {
        let status = match doc.meta.status {
            IngestStatus::Queued => "queued".to_owned(),
            IngestStatus::Failed => format!(
                "failed ({})",
                doc.meta
                    .error
                    .as_ref()
                    .map(|e| e.message.as_str())
                    .unwrap_or("unknown")
            ),
            IngestStatus::Ready => "ready".to_owned(),
        };
        return Err(ApiError::NotReady {
            id: id.to_owned(),
            status,
        });
    }
    Ok(doc)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Image width in pixels (default 1000).
    pub width: Option<u32>,
}

pub(crate) fn render_error(id: &str, e: RenderError) -> ApiError {
    match e {
        RenderError::NotPdf => ApiError::NotFound {
            what: format!("page images of document {id} (only PDFs have them)"),
        },
        RenderError::NoSuchPage(n) => ApiError::NotFound {
            what: format!("page {n} of document {id}"),
        },
        RenderError::BadWidth => ApiError::BadRequest(e.to_string()),
        RenderError::TimedOut => ApiError::Timeout(e.to_string()),
        RenderError::Failed(d) => ApiError::Internal(d),
    }
}

/// `GET /v1/documents/{id}/pages/{n}?width=`: the page as a PNG, rendered
/// by the engine that read its text, cached per document version.
#[utoipa::path(
    get,
    path = "/v1/documents/{id}/pages/{n}",
    tag = "documents",
    params(
        ("id" = String, Path, description = "Document id"),
        ("n" = u32, Path, description = "Page number, from 1"),
        PageQuery,
    ),
    responses((status = 200, description = "The page as a PNG", content_type = "image/png", body = Vec<u8>))
)]
pub async fn page(
    State(state): State<AppState>,
    Authed(caller, _): Authed<ReadScope>,
    Path((id, n)): Path<(String, String)>,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let doc = ready(&state, &caller, &id)?;
    let page: u32 = n.parse().map_err(|_| ApiError::NotFound {
        what: format!("page {n} of document {id}"),
    })?;
    let width = q.width.unwrap_or(1000);
    let original = state.engine.originals.local_copy(&id).await?;
    let cache = state.engine.catalog.pages_dir().to_path_buf();
    let timeout = Duration::from_secs(state.settings.pdf_timeout_secs.max(1));
    let png = tokio::task::spawn_blocking(move || {
        render::page_png(&doc, &original, &cache, page, width, timeout)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
    .map_err(|e| render_error(&id, e))?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/png"),
            // The id names the content: an image never changes.
            (header::CACHE_CONTROL, "private, max-age=86400, immutable"),
        ],
        png,
    )
        .into_response())
}

/// Deletes a document, its text, vectors and stored readings.
#[utoipa::path(
    delete,
    path = "/v1/documents/{id}",
    tag = "documents",
    params(("id" = String, Path, description = "Document id")),
    responses((status = 200, description = "Deleted", body = Deleted))
)]
pub async fn delete(
    State(state): State<AppState>,
    Authed(caller, _): Authed<IngestScope>,
    headers: axum::http::HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Deleted>, ApiError> {
    let doc = find(&state, &caller, &id)?;
    state.engine.delete(&id).await?;
    state.audit.record(
        &caller,
        "delete",
        &super::request_id(&headers),
        json!({"document_id": id, "source": doc.meta.source, "sha256": doc.meta.sha256}),
    );
    Ok(Json(Deleted { id, deleted: true }))
}

#[cfg(test)]
mod tests {
    use super::sanitize_name;

    #[test]
    fn client_file_names_lose_their_directories() {
        assert_eq!(sanitize_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_name("C:\\docs\\a.pdf"), "a.pdf");
        assert_eq!(sanitize_name("a\u{0}b.pdf"), "ab.pdf");
    }
}
