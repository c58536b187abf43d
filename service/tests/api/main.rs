//! End-to-end tests: the real service on port 0, a fresh data directory per
//! test, real documents from ../shared/corpus.

mod ask;
mod auth;
mod bom;
mod broken_input;
mod cluster;
mod documents;
mod extract;
mod faults;

mod helpers;
mod llm_stub;
mod local_llm;
mod openapi;
mod pages;
mod restart;
mod review;
mod search;
