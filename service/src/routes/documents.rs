//! `/v1/documents`: upload, list, read, delete.

use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::{Value, json};

use attest_engine::document::{DEFAULT_TENANT, DocumentMeta, IngestStatus, PageSpan};

use crate::error::ApiError;
use crate::startup::AppState;

#[derive(Serialize)]
pub struct Uploaded {
    pub id: String,
    pub status: IngestStatus,
    /// True when the same content was already stored (nothing changed).
    pub unchanged: bool,
}

/// `POST /v1/documents` (multipart, field `file`). The file is stored
/// durably before the answer; ingest continues in the background.
pub async fn upload(
    State(state): State<AppState>,
    mut multipart: Multipart,
) -> Result<(StatusCode, Json<Uploaded>), ApiError> {
    let limit = state.settings.max_upload_bytes;
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(ApiError::TooLarge(limit));
            }
            Err(e) => {
                return Err(ApiError::BadRequest(format!(
                    "malformed multipart body: {}",
                    e.body_text()
                )));
            }
        };
        if field.name() != Some("file") {
            continue;
        }
        let name = field
            .file_name()
            .map(sanitize_name)
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "upload".to_owned());
        let bytes = match field.bytes().await {
            Ok(b) => b,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(ApiError::TooLarge(limit));
            }
            Err(e) => {
                return Err(ApiError::BadRequest(format!(
                    "cannot read the file: {}",
                    e.body_text()
                )));
            }
        };
        if bytes.len() as u64 > limit {
            return Err(ApiError::TooLarge(limit));
        }
        file = Some((name, bytes.to_vec()));
        break;
    }
    let (name, bytes) = file.ok_or(ApiError::MissingFile)?;
    let engine = state.engine.clone();
    let submitted =
        tokio::task::spawn_blocking(move || engine.submit(DEFAULT_TENANT, &name, &bytes))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))??;
    if submitted.status == IngestStatus::Queued && !state.engine.enqueue(&submitted.id) {
        // The record stays queued on disk and is picked up at the next start.
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

/// `GET /v1/documents`
pub async fn list(State(state): State<AppState>) -> Json<Value> {
    let docs: Vec<DocumentMeta> = state
        .engine
        .catalog
        .list(DEFAULT_TENANT)
        .iter()
        .map(|d| d.meta.clone())
        .collect();
    Json(json!({ "documents": docs }))
}

fn find(
    state: &AppState,
    id: &str,
) -> Result<std::sync::Arc<attest_engine::document::Document>, ApiError> {
    state
        .engine
        .catalog
        .get(id)
        .filter(|d| d.meta.tenant == DEFAULT_TENANT)
        .ok_or_else(|| ApiError::NotFound {
            what: format!("document {id}"),
        })
}

/// `GET /v1/documents/{id}`: metadata and ingest status.
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<DocumentMeta>, ApiError> {
    Ok(Json(find(&state, &id)?.meta.clone()))
}

#[derive(Serialize)]
pub struct DocumentText {
    pub id: String,
    /// Offsets in `pages` and in every citation are Unicode code points
    /// into this text.
    pub text: String,
    pub pages: Vec<PageSpan>,
}

/// `GET /v1/documents/{id}/text`
pub async fn text(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<DocumentText>, ApiError> {
    let doc = find(&state, &id)?;
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
        return Err(ApiError::NotReady { id, status });
    }
    Ok(Json(DocumentText {
        id: doc.meta.id.clone(),
        text: doc.text.clone(),
        pages: doc.pages.clone(),
    }))
}

/// `DELETE /v1/documents/{id}`
pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    find(&state, &id)?;
    state.engine.delete(&id).await?;
    Ok(Json(json!({ "id": id, "deleted": true })))
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
