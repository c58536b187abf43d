//! The review queue: `GET /v1/review`, `POST /v1/review/{id}`.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use serde::Serialize;

use attest_engine::catalog::ReviewFilter;
use attest_engine::review::{DecisionRequest, ReviewError, ReviewItem, decide, list};

use crate::auth::{Authed, ReviewScope};
use crate::error::{ApiError, ApiJson};
use crate::startup::AppState;

impl From<ReviewError> for ApiError {
    fn from(e: ReviewError) -> Self {
        match e {
            ReviewError::NotFound(id) => ApiError::NotFound {
                what: format!("review item {id}"),
            },
            ReviewError::Decided(id) => {
                ApiError::Conflict(format!("review item {id} was already decided"))
            }
            ReviewError::BadRequest(m) => ApiError::BadRequest(m),
            ReviewError::Catalog(c) => ApiError::Internal(c.to_string()),
        }
    }
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReviewQuery {
    /// `open` (the default), `accepted`, `corrected`, `rejected` or `all`.
    pub status: Option<String>,
    /// `mass`, `origin`, `materials` or `recycled_content`.
    pub field: Option<String>,
    pub subject: Option<String>,
    pub document_id: Option<String>,
    /// Items about the lines of this BOM job (`POST /v1/bom?async=true`).
    pub bom: Option<String>,
    /// At most this many items (default 100, at most 1000).
    pub limit: Option<usize>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ReviewList {
    pub items: Vec<ReviewItem>,
}

/// Values waiting for (or given) a reviewer's decision, oldest first.
#[utoipa::path(
    get,
    path = "/v1/review",
    tag = "answers",
    params(ReviewQuery),
    responses((status = 200, description = "Review items", body = ReviewList))
)]
pub async fn queue(
    State(state): State<AppState>,
    Authed(caller, _): Authed<ReviewScope>,
    q: Result<Query<ReviewQuery>, QueryRejection>,
) -> Result<Json<ReviewList>, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let status = match q.status.as_deref() {
        None | Some("open") => Some("open".to_owned()),
        Some("all") => None,
        Some(s @ ("accepted" | "corrected" | "rejected")) => Some(s.to_owned()),
        Some(other) => {
            return Err(ApiError::BadRequest(format!("unknown status {other:?}")));
        }
    };
    if let Some(f) = q.field.as_deref()
        && !["mass", "origin", "materials", "recycled_content"].contains(&f)
    {
        return Err(ApiError::BadRequest(format!("unknown field {f:?}")));
    }
    let filter = ReviewFilter {
        status,
        field: q.field,
        subject: q.subject,
        document_id: q.document_id,
        bom: q.bom,
        limit: q.limit.unwrap_or(100).clamp(1, 1000),
    };
    let engine = state.engine.clone();
    let tenant = caller.tenant.clone();
    let items = tokio::task::spawn_blocking(move || list(&engine, &tenant, &filter))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok(Json(ReviewList { items }))
}

/// Accept, correct (with the evidence's span in the document) or reject a
/// value; extraction answers with the decision from then on, for that
/// document version.
#[utoipa::path(
    post,
    path = "/v1/review/{id}",
    tag = "answers",
    params(("id" = String, Path, description = "Review item id")),
    request_body = DecisionRequest,
    responses((status = 200, description = "The decided item", body = ReviewItem))
)]
pub async fn decide_item(
    State(state): State<AppState>,
    Authed(caller, _): Authed<ReviewScope>,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<DecisionRequest>,
) -> Result<Json<ReviewItem>, ApiError> {
    let engine = state.engine.clone();
    let tenant = caller.tenant.clone();
    let reviewer = caller.key_label().to_owned();
    let item_id = id.clone();
    let item =
        tokio::task::spawn_blocking(move || decide(&engine, &tenant, &item_id, &req, &reviewer))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))??;
    state.audit.record(
        &caller,
        "review",
        &super::request_id(&headers),
        serde_json::json!({"review_id": id, "item": item}),
    );
    Ok(Json(item))
}
