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
