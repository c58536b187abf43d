//! attest's HTTP service.
//!
//! Module map:
//! - [`startup`]: [`startup::Application`] (bind, port, serve) and
//!   [`startup::router`] (the axum router with its middleware).
//! - [`error`]: the API error type and its one mapping to HTTP.
//! - [`routes`]: one file per resource (documents, search, extract, health).

pub mod error;
pub mod routes;
pub mod startup;

pub use attest_engine::config::Settings;
