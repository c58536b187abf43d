//! attest's HTTP service.
//!
//! Module map:
//! - [`startup`]: [`startup::Application`] (bind, port, serve) and
//!   [`startup::router`] (the axum router with its middleware).
//! - [`error`]: the API error type and its one mapping to HTTP.
//! - [`routes`]: one file per resource (documents, search, extract, health).
//! - [`auth`]: API keys, scopes, tenants, per-key rate limits.
//! - [`limits`]: request deadline and requests in flight.
//! - [`metrics`]: Prometheus recorder and `/metrics`.
//! - [`audit`]: the append-only audit log.

pub mod audit;
pub mod auth;
pub mod error;
pub mod limits;
pub mod metrics;
pub mod openapi;
pub mod routes;
pub mod startup;

pub use attest_engine::config::Settings;
