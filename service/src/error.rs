//! One error type for the HTTP boundary, mapped to status codes in one
//! place. Every error body is `{"error": {"code", "message"}}` with a stable
//! machine-readable code; 5xx bodies never carry internal details (those go
//! to the log with the request id).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use attest_engine::ask::AskError;
use attest_engine::extract::ExtractError;
use attest_engine::library::EngineError;
use attest_engine::originals::OriginalsError;
use attest_engine::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    InvalidJson(String),
    #[error("the multipart body has no `file` field")]
    MissingFile,
    #[error("the request body is over the size limit of {0} bytes")]
    TooLarge(u64),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("this key is over its request rate; retry after {retry_after} s")]
    RateLimited { retry_after: u64 },
    #[error("{what} not found")]
    NotFound { what: String },
    #[error("{0}")]
    Conflict(String),
    #[error("document {id} is not ready: {status}")]
    NotReady { id: String, status: String },
    #[error("the vector store is unavailable")]
    Unavailable(String),
    #[error("{0}")]
    Timeout(String),
    /// At capacity: 503 with Retry-After.
    #[error("{0}")]
    Overloaded(String),
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::InvalidJson(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_json"),
            ApiError::MissingFile => (StatusCode::BAD_REQUEST, "missing_file"),
            ApiError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ApiError::NotFound { .. } => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::NotReady { .. } => (StatusCode::CONFLICT, "not_ready"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::Timeout(_) => (StatusCode::GATEWAY_TIMEOUT, "timeout"),
            ApiError::Overloaded(_) => (StatusCode::SERVICE_UNAVAILABLE, "overloaded"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if status.is_server_error() && !matches!(self, ApiError::Overloaded(_)) {
            let detail = match &self {
                ApiError::Unavailable(d) | ApiError::Internal(d) => d.as_str(),
                _ => "",
            };
            tracing::error!(code, detail, "request failed");
        }
        let mut response = (
            status,
            Json(json!({"error": {"code": code, "message": self.to_string()}})),
        )
            .into_response();
        let headers = response.headers_mut();
        match &self {
            ApiError::Overloaded(_) => {
                headers.insert(
                    axum::http::header::RETRY_AFTER,
                    axum::http::HeaderValue::from_static("1"),
                );
            }
            ApiError::RateLimited { retry_after } => {
                headers.insert(
                    axum::http::header::RETRY_AFTER,
                    axum::http::HeaderValue::from(*retry_after),
                );
            }
            ApiError::Unauthorized(_) => {
                headers.insert(
                    axum::http::header::WWW_AUTHENTICATE,
                    axum::http::HeaderValue::from_static("Bearer realm=\"attest\""),
                );
            }
            _ => {}
        }
        response
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::NotFound(id) => ApiError::NotFound {
                what: format!("document {id}"),
            },
            EngineError::Store(StoreError::Unavailable(d)) => ApiError::Unavailable(d),
            EngineError::Store(s) => ApiError::Internal(s.to_string()),
            EngineError::Embed(x) => ApiError::Internal(x.to_string()),
            EngineError::Catalog(x) => ApiError::Internal(x.to_string()),
            EngineError::Internal(x) => ApiError::Internal(x),
            EngineError::Overloaded(o) => ApiError::Overloaded(o.to_string()),
            EngineError::Originals(o @ OriginalsError::Backend { .. }) => {
                ApiError::Unavailable(o.to_string())
            }
            EngineError::Originals(o) => ApiError::Internal(o.to_string()),
        }
    }
}

impl From<ExtractError> for ApiError {
    fn from(e: ExtractError) -> Self {
        match e {
            ExtractError::NothingToExtractFrom => ApiError::BadRequest(e.to_string()),
            ExtractError::UnknownDocuments(ids) => ApiError::NotFound {
                what: format!("documents {}", ids.join(", ")),
            },
            ExtractError::Engine(e) => e.into(),
        }
    }
}

impl From<AskError> for ApiError {
    fn from(e: AskError) -> Self {
        match e {
            AskError::BadRequest(m) => ApiError::BadRequest(m),
            AskError::Extract(e) => e.into(),
            AskError::Engine(e) => e.into(),
        }
    }
}

/// JSON extractor whose rejections use the API's error body.
pub struct ApiJson<T>(pub T);

impl<S, T> axum::extract::FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::rejection::JsonRejection;
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(JsonRejection::JsonDataError(e)) => Err(ApiError::InvalidJson(e.body_text())),
            Err(JsonRejection::JsonSyntaxError(e)) => Err(ApiError::InvalidJson(e.body_text())),
            Err(JsonRejection::MissingJsonContentType(e)) => {
                Err(ApiError::BadRequest(e.body_text()))
            }
            Err(JsonRejection::BytesRejection(e)) => {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    Err(ApiError::TooLarge(crate::startup::JSON_BODY_LIMIT as u64))
                } else {
                    Err(ApiError::BadRequest(e.body_text()))
                }
            }
            Err(other) => Err(ApiError::BadRequest(other.body_text())),
        }
    }
}

impl From<OriginalsError> for ApiError {
    fn from(e: OriginalsError) -> Self {
        EngineError::from(e).into()
    }
}
