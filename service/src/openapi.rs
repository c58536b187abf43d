//! The API description, generated from the route annotations and the wire
//! types: OpenAPI 3.1 at `/openapi.json`, a reference page at `/docs`.
//!
//! The error responses are the same for every `/v1` operation, so they are
//! added here once, with the bearer key requirement, instead of on each
//! handler.

use axum::Json;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::routes;

/// Every error: a stable machine-readable `code` and a message for people.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// `bad_request`, `invalid_json`, `missing_file`, `payload_too_large`,
    /// `unauthorized`, `forbidden`, `not_found`, `not_ready`,
    /// `rate_limited`, `unavailable`, `timeout`, `overloaded`, `internal`.
    pub code: String,
    pub message: String,
}

/// The error statuses any `/v1` operation may answer.
const ERRORS: &[(&str, &str)] = &[
    ("400", "Bad request (`bad_request`, `missing_file`)"),
    (
        "401",
        "No key, or an unknown or revoked one (`unauthorized`)",
    ),
    ("403", "The key lacks the scope (`forbidden`)"),
    (
        "404",
        "No such document or route in the caller's tenant (`not_found`)",
    ),
    (
        "409",
        "The document is not ready (`not_ready`), the item was decided or the job has not finished (`conflict`)",
    ),
    (
        "413",
        "The body is over its size limit (`payload_too_large`)",
    ),
    ("415", "The body is not JSON (`bad_request`)"),
    (
        "422",
        "The JSON does not fit the request schema (`invalid_json`)",
    ),
    (
        "429",
        "The key is over its rate (`rate_limited`); see Retry-After",
    ),
    (
        "503",
        "Overloaded or the store is unavailable; see Retry-After",
    ),
    ("504", "No answer within the request deadline (`timeout`)"),
];

struct Conventions;

impl Modify for Conventions {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        for (path, item) in api.paths.paths.iter_mut() {
            if !path.starts_with("/v1/") && path != "/metrics" {
                continue;
            }
            for op in [&mut item.get, &mut item.post, &mut item.delete]
                .into_iter()
                .flatten()
            {
                op.security = Some(vec![SecurityRequirement::new(
                    "api_key",
                    Vec::<String>::new(),
                )]);
                for (status, description) in ERRORS {
                    op.responses
                        .responses
                        .entry((*status).to_owned())
                        .or_insert_with(|| {
                            ResponseBuilder::new()
                                .description(*description)
                                .content(
                                    "application/json",
                                    ContentBuilder::new()
                                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                                        .build(),
                                )
                                .build()
                                .into()
                        });
                }
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "attest",
        description = "Cited answers about materials, mass, country of origin and recycled \
                       content, read from supplier documents. Every value carries the document, \
                       page, code point span and exact quote it was read from.",
    ),
    paths(
        routes::documents::upload,
        routes::documents::list,
        routes::documents::get,
        routes::documents::delete,
        routes::documents::text,
        routes::documents::page,
        routes::search::search,
        routes::extract::extract,
        routes::extract::evidence,
        routes::ask::ask,
        routes::bom::bom,
        routes::bom::jobs,
        routes::bom::job,
        routes::review::queue,
        routes::review::decide_item,
        routes::chat::completions,
        routes::chat::models,
        routes::health::healthz,
        routes::health::readyz,
        crate::metrics::scrape,
    ),
    components(schemas(ErrorBody, ErrorDetail)),
    modifiers(&Conventions),
    tags(
        (name = "documents", description = "Upload, list, read and delete supplier documents"),
        (name = "answers", description = "Extraction, questions and chat, with verified citations"),
        (name = "operations", description = "Health, readiness and metrics"),
    )
)]
pub struct ApiDoc;

/// `GET /openapi.json`
pub async fn document() -> impl IntoResponse {
    Json(ApiDoc::openapi())
}

const DOCS: &str = include_str!("../assets/docs.html");

/// `GET /docs`: the API reference, rendered in the page from `/openapi.json`.
pub async fn page() -> impl IntoResponse {
    (
        [(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
        )],
        Html(DOCS),
    )
}
