//! Limits applied to every request: a deadline answered in the API's error
//! envelope, and a cap on requests served at once (more are shed with 503
//! and Retry-After rather than queued without bound). Body sizes are limited
//! per route in [`crate::startup::router`]; request rates per key in
//! [`crate::auth`].

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use crate::error::ApiError;

/// Answers `504 timeout` in the error envelope when a request is not
/// answered within `deadline`. Streamed answers bound their own body.
pub async fn deadline(State(deadline): State<Duration>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(deadline, next.run(req)).await {
        Ok(r) => r,
        Err(_) => {
            metrics::counter!("attest_http_timeouts_total").increment(1);
            ApiError::Timeout(format!(
                "no answer within the request deadline of {} s",
                deadline.as_secs()
            ))
            .into_response()
        }
    }
}

/// Requests served at once; `None` is no limit.
#[derive(Clone)]
pub struct InFlight(pub Option<Arc<Semaphore>>);

impl InFlight {
    pub fn new(max: usize) -> Self {
        Self((max > 0).then(|| Arc::new(Semaphore::new(max))))
    }
}

pub async fn in_flight(State(limit): State<InFlight>, req: Request, next: Next) -> Response {
    let Some(sem) = limit.0 else {
        return next.run(req).await;
    };
    match sem.try_acquire_owned() {
        Ok(_permit) => next.run(req).await,
        Err(_) => {
            metrics::counter!("attest_http_shed_total").increment(1);
            ApiError::Overloaded("the service is at its limit of requests in flight".into())
                .into_response()
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::http::StatusCode;
    use axum::routing::get;
    use tower::ServiceExt;

    async fn body_json(r: Response) -> serde_json::Value {
        let bytes = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn a_late_answer_is_a_timeout_in_the_error_envelope() {
        let app = Router::new()
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    "late"
                }),
            )
            .route("/fast", get(|| async { "ok" }))
            .layer(axum::middleware::from_fn_with_state(
                Duration::from_millis(100),
                deadline,
            ));
        let started = std::time::Instant::now();
        let r = app
            .clone()
            .oneshot(Request::get("/slow").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(r.status(), StatusCode::GATEWAY_TIMEOUT);
        assert_eq!(body_json(r).await["error"]["code"], "timeout");
        let r = app
            .oneshot(Request::get("/fast").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn requests_past_the_in_flight_limit_are_shed_with_retry_after() {
        let gate = Arc::new(tokio::sync::Notify::new());
        let entered = Arc::new(tokio::sync::Notify::new());
        let (g, e) = (gate.clone(), entered.clone());
        let app = Router::new()
            .route(
                "/hold",
                get(move || {
                    let (g, e) = (g.clone(), e.clone());
                    async move {
                        e.notify_one();
                        g.notified().await;
                        "done"
                    }
                }),
            )
            .layer(axum::middleware::from_fn_with_state(
                InFlight::new(1),
                in_flight,
            ));
        let first = tokio::spawn(
            app.clone()
                .oneshot(Request::get("/hold").body(Body::empty()).unwrap()),
        );
        entered.notified().await;
        let r = app
            .clone()
            .oneshot(Request::get("/hold").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.headers()["retry-after"], "1");
        assert_eq!(body_json(r).await["error"]["code"], "overloaded");
        gate.notify_one();
        assert_eq!(first.await.unwrap().unwrap().status(), StatusCode::OK);
        // The permit is back.
        let (g2, e2) = (gate.clone(), entered.clone());
        let again = tokio::spawn(app.oneshot(Request::get("/hold").body(Body::empty()).unwrap()));
        e2.notified().await;
        g2.notify_one();
        assert_eq!(again.await.unwrap().unwrap().status(), StatusCode::OK);
    }
}
