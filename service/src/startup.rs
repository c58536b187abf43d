//! Building and running the service.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::HeaderName;
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use attest_engine::bom_jobs::BomJobs;
use attest_engine::config::{AuthMode, Settings};
use attest_engine::document::DEFAULT_TENANT;
use attest_engine::extract::Extractors;
use attest_engine::library::Engine;

use crate::audit::AuditLog;
use crate::auth::RateLimiter;
use crate::error::ApiError;
use crate::limits::{self, InFlight};
use crate::{metrics, routes};

/// Limit for JSON request bodies (uploads have their own, configured one).
pub const JSON_BODY_LIMIT: usize = 1024 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub engine: Arc<Engine>,
    pub settings: Arc<Settings>,
    /// Learned scorer, prompts and language model client.
    pub extractors: Arc<Extractors>,
    /// Per-key request rates.
    pub limiter: Arc<RateLimiter>,
    pub audit: Arc<AuditLog>,
    /// BOM roll-ups running in the background.
    pub bom_jobs: BomJobs,
}

/// The axum router with all routes and middleware.
pub fn router(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let upload_limit = usize::try_from(state.settings.max_upload_bytes)
        .unwrap_or(usize::MAX)
        // Multipart framing around the file.
        .saturating_add(64 * 1024);
    let timeout = Duration::from_secs(state.settings.request_timeout_secs.max(1));
    let in_flight = InFlight::new(state.settings.max_in_flight);
    metrics::handle();
    let bom = Router::new()
        .route("/v1/bom", post(routes::bom::bom).get(routes::bom::jobs))
        .layer(DefaultBodyLimit::max(routes::bom::BOM_BODY_LIMIT));
    let documents = Router::new()
        .route(
            "/v1/documents",
            post(routes::documents::upload).get(routes::documents::list),
        )
        .layer(DefaultBodyLimit::max(upload_limit));
    Router::new()
        .route(
            "/v1/documents/{id}",
            get(routes::documents::get).delete(routes::documents::delete),
        )
        .route("/v1/documents/{id}/text", get(routes::documents::text))
        .route("/v1/documents/{id}/pages/{n}", get(routes::documents::page))
        .route("/v1/search", post(routes::search::search))
        .route("/v1/extract", post(routes::extract::extract))
        .route("/v1/extract/evidence", get(routes::extract::evidence))
        .route("/v1/ask", post(routes::ask::ask))
        .route("/v1/bom/{id}", get(routes::bom::job))
        .route("/v1/review", get(routes::review::queue))
        .route("/v1/review/{id}", post(routes::review::decide_item))
        .route("/v1/chat/completions", post(routes::chat::completions))
        .route("/v1/models", get(routes::chat::models))
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT))
        .merge(documents)
        .merge(bom)
        .layer(axum::middleware::from_fn_with_state(
            in_flight,
            limits::in_flight,
        ))
        .layer(axum::middleware::from_fn_with_state(
            timeout,
            limits::deadline,
        ))
        .route("/metrics", get(metrics::scrape))
        .route("/", get(routes::ui::index))
        .route("/assets/app.js", get(routes::ui::app_js))
        .route("/assets/app.css", get(routes::ui::app_css))
        .route("/healthz", get(routes::health::healthz))
        .route("/openapi.json", get(crate::openapi::document))
        .route("/docs", get(crate::openapi::page))
        .route("/readyz", get(routes::health::readyz))
        .fallback(|| async {
            ApiError::NotFound {
                what: "route".into(),
            }
        })
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                        let id = req
                            .headers()
                            .get("x-request-id")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("");
                        tracing::info_span!(
                            "request",
                            method = %req.method(),
                            path = %req.uri().path(),
                            request_id = %id,
                            tenant = tracing::field::Empty,
                            key = tracing::field::Empty,
                        )
                    }),
                )
                .layer(PropagateRequestIdLayer::new(request_id))
                .layer(axum::middleware::from_fn(metrics::track)),
        )
        .with_state(state)
}

/// A bound, not yet serving, service.
pub struct Application {
    listener: TcpListener,
    router: Router,
    port: u16,
    pub state: AppState,
    /// The in-process ingest worker, unless `settings.worker` is off.
    worker: Option<tokio::task::JoinHandle<()>>,
}

/// How long a stopping service waits for the document in hand.
const DRAIN_DOCUMENT: Duration = Duration::from_secs(120);

impl Application {
    /// Opens the engine, starts the ingest worker (and the inbox watcher
    /// when configured) and binds the listener.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let engine = Engine::open(settings.engine_config()?).await?;
        Self::with_engine(settings, engine).await
    }

    pub async fn with_engine(settings: Settings, engine: Arc<Engine>) -> anyhow::Result<Self> {
        let worker = settings.worker.then(|| engine.spawn_worker());
        if worker.is_none() {
            tracing::info!(
                "no ingest worker in this process: uploads stay queued for the workers of others"
            );
        }
        if engine.spawn_applier().is_some() {
            tracing::info!("applying the vectors handed off by processes without a store");
        }
        if !engine.has_store() {
            tracing::info!(
                "no vector store in this process: writes are handed off to the store's owner"
            );
        }
        if let Some(inbox) = settings.inbox_dir.clone() {
            tokio::spawn(engine.clone().watch_inbox(
                DEFAULT_TENANT.into(),
                inbox,
                Duration::from_secs(2),
            ));
        }
        let extractors = Arc::new(settings.extractors()?);
        match settings.auth {
            AuthMode::Open => tracing::warn!(
                "AUTH IS OFF (ATTEST_AUTH=open): anyone who reaches this port can read, upload \
                 and delete every document; set ATTEST_AUTH=keys before sharing it"
            ),
            AuthMode::Keys => {
                let live = engine.catalog.live_keys().unwrap_or(0);
                if live == 0 {
                    tracing::warn!(
                        "no API keys yet: every /v1 call is refused until one is created with \
                         `attest keys create --tenant NAME --scopes read,extract,ingest`"
                    );
                } else {
                    tracing::info!(keys = live, "API keys required");
                }
            }
        }
        let audit_dir = settings
            .audit_dir
            .clone()
            .unwrap_or_else(|| settings.data_dir.join("audit"));
        let audit = Arc::new(AuditLog::open(&audit_dir, settings.audit_max_bytes)?);
        let limiter = Arc::new(RateLimiter::new(settings.rate_per_key, settings.rate_burst));
        tracing::info!(
            prompts = %extractors.prompts.source,
            scorer = extractors.scorer.as_deref().map(attest_engine::extract::model::describe).unwrap_or_default(),
            llm = ?settings.llm_config(),
            "extractors ready"
        );
        let bom_jobs = BomJobs::new(engine.clone(), extractors.clone());
        bom_jobs.start_resuming()?;
        let listener = TcpListener::bind(&settings.addr).await?;
        let port = listener.local_addr()?.port();
        let state = AppState {
            engine,
            settings: Arc::new(settings),
            extractors,
            limiter,
            audit,
            bom_jobs,
        };
        Ok(Self {
            listener,
            router: router(state.clone()),
            port,
            state,
            worker,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGTERM or Ctrl-C, then drains: requests in flight are
    /// answered, the document being ingested is finished and published
    /// (the rest stays queued for the next start).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown_signal())
            .await;
        self.state.engine.stop_worker();
        match self.worker {
            Some(worker) => match tokio::time::timeout(DRAIN_DOCUMENT, worker).await {
                Ok(_) => tracing::info!("stopped"),
                Err(_) => tracing::warn!("the document in hand did not finish; it stays queued"),
            },
            None => tracing::info!("stopped"),
        }
        served
    }
}

async fn shutdown_signal() {
    attest_engine::library::stop_signal().await;
    tracing::info!("shutting down");
}
