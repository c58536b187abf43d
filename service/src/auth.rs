//! Who is calling: API keys, scopes, tenants and the per-key rate limit.
//!
//! Handlers name the scope they need in their signature
//! (`Authed<ReadScope>`), so the check runs before the body is read: a
//! caller without the scope gets 403 whatever it sent. In `open` mode every
//! caller is the default tenant with every scope.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use attest_engine::catalog::Scope;
use attest_engine::config::AuthMode;
use attest_engine::document::DEFAULT_TENANT;

use crate::error::ApiError;
use crate::startup::AppState;

/// The caller of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The key's id (never the key); `None` in open mode.
    pub key_id: Option<String>,
    pub tenant: String,
    scopes: Vec<Scope>,
}

impl Caller {
    fn open() -> Self {
        Self {
            key_id: None,
            tenant: DEFAULT_TENANT.to_owned(),
            scopes: vec![Scope::Admin],
        }
    }

    #[cfg(test)]
    pub(crate) fn for_tests(key: &str, tenant: &str) -> Self {
        Self {
            key_id: Some(key.to_owned()),
            tenant: tenant.to_owned(),
            scopes: vec![Scope::Read],
        }
    }

    pub fn allows(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope) || self.scopes.contains(&Scope::Admin)
    }

    /// How the audit log and the logs name the caller.
    pub fn key_label(&self) -> &str {
        self.key_id.as_deref().unwrap_or("open")
    }
}

/// The key a request presents: `Authorization: Bearer KEY` (what OpenAI
/// clients send) or `X-API-Key: KEY`.
fn presented(parts: &Parts) -> Option<&str> {
    if let Some(v) = parts.headers.get(AUTHORIZATION) {
        let v = v.to_str().ok()?.trim();
        let (scheme, key) = v.split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| key.trim())
            .filter(|k| !k.is_empty());
    }
    parts
        .headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty())
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(c) = parts.extensions.get::<Caller>() {
            return Ok(c.clone());
        }
        let caller = match state.settings.auth {
            AuthMode::Open => Caller::open(),
            AuthMode::Keys => {
                let key = presented(parts).ok_or_else(|| {
                    ApiError::Unauthorized(
                        "an API key is required: send `Authorization: Bearer KEY`".into(),
                    )
                })?;
                let record = state
                    .engine
                    .catalog
                    .authenticate(key)
                    .map_err(|e| ApiError::Internal(e.to_string()))?
                    .ok_or_else(|| ApiError::Unauthorized("unknown or revoked API key".into()))?;
                state.limiter.take(&record.id)?;
                Caller {
                    key_id: Some(record.id),
                    tenant: record.tenant,
                    scopes: record.scopes,
                }
            }
        };
        let span = tracing::Span::current();
        span.record("tenant", caller.tenant.as_str());
        span.record("key", caller.key_label());
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}

/// A scope a handler needs, as a type (`AnyScope`: any valid key).
pub trait NeedScope {
    const SCOPE: Option<Scope>;
}

macro_rules! scope_marker {
    ($($name:ident => $scope:expr),* $(,)?) => {$(
        pub struct $name;
        impl NeedScope for $name {
            const SCOPE: Option<Scope> = $scope;
        }
    )*};
}

scope_marker! {
    ReadScope => Some(Scope::Read),
    ExtractScope => Some(Scope::Extract),
    IngestScope => Some(Scope::Ingest),
    MetricsScope => Some(Scope::Metrics),
    ReviewScope => Some(Scope::Review),
    AnyScope => None,
}

/// A caller that holds the scope `S`.
pub struct Authed<S: NeedScope>(pub Caller, pub PhantomData<S>);

impl<S: NeedScope> FromRequestParts<AppState> for Authed<S> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        if let Some(scope) = S::SCOPE
            && !caller.allows(scope)
        {
            return Err(ApiError::Forbidden(format!(
                "this key lacks the `{scope}` scope"
            )));
        }
        Ok(Authed(caller, PhantomData))
    }
}

/// Token buckets, one per key.
pub struct RateLimiter {
    per_sec: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimiter {
    /// `per_sec` 0 means no limit.
    pub fn new(per_sec: f64, burst: u32) -> Self {
        Self {
            per_sec,
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token from the key's bucket, or says when to come back.
    pub fn take(&self, key: &str) -> Result<(), ApiError> {
        if self.per_sec <= 0.0 {
            return Ok(());
        }
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let b = buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        let elapsed = now.duration_since(b.at).as_secs_f64();
        b.tokens = (b.tokens + elapsed * self.per_sec).min(self.burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            let wait = ((1.0 - b.tokens) / self.per_sec).ceil().max(1.0);
            Err(ApiError::RateLimited {
                retry_after: wait as u64,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_its_burst_then_refuses_until_it_refills() {
        let r = RateLimiter::new(1000.0, 3);
        assert!((0..3).all(|_| r.take("k").is_ok()));
        assert!(matches!(
            r.take("k"),
            Err(ApiError::RateLimited { retry_after: 1 })
        ));
        // Other keys have their own bucket.
        assert!(r.take("other").is_ok());
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert!(r.take("k").is_ok());
        // No limit.
        let free = RateLimiter::new(0.0, 1);
        assert!((0..10_000).all(|_| free.take("k").is_ok()));
    }
}
