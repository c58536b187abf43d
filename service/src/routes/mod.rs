//! HTTP handlers, one file per resource.

pub mod ask;
pub mod bom;
pub mod chat;
pub mod documents;
pub mod extract;
pub mod health;
pub mod review;
pub mod search;
pub mod ui;

use axum::http::HeaderMap;

/// The multipart body's `file` field: its client-given name (possibly
/// empty) and its bytes, at most `limit` of them.
pub async fn file_field(
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
    limit: u64,
) -> Result<(String, axum::body::Bytes), crate::error::ApiError> {
    use crate::error::ApiError;
    use axum::http::StatusCode;
    let mut multipart = multipart.map_err(|e| {
        ApiError::BadRequest(format!(
            "expected a multipart/form-data body: {}",
            e.body_text()
        ))
    })?;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => return Err(ApiError::MissingFile),
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
        let name = field.file_name().unwrap_or_default().to_owned();
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
        return Ok((name, bytes));
    }
}

/// Subjects are product names and part numbers, not documents.
pub fn check_subject(subject: Option<&str>) -> Result<(), crate::error::ApiError> {
    match subject {
        Some(s) if s.chars().count() > 200 => Err(crate::error::ApiError::BadRequest(
            "subject is longer than 200 characters".into(),
        )),
        _ => Ok(()),
    }
}

/// Records a question's answer in the audit log.
pub fn audit_answer(
    state: &crate::startup::AppState,
    caller: &crate::auth::Caller,
    action: &str,
    request_id: &str,
    question: &str,
    answer: &attest_engine::ask::AskResponse,
) {
    state.audit.record(
        caller,
        action,
        request_id,
        serde_json::json!({
            "question": question,
            "subject": answer.subject,
            "answer": answer.answer,
            "citations": answer.citations,
            "provenance": answer.provenance,
        }),
    );
}

/// The request id set by the request-id layer (echoed in `x-request-id`).
pub fn request_id(headers: &HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("unknown")
        .to_owned()
}
