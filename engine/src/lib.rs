//! attest's domain library.
//!
//! The `service` feature (on by default) brings everything past reading a
//! document: embeddings, vector stores, the catalog, originals, extraction,
//! the language model. Without it the crate is the readers alone (text,
//! document model, layout, parsers, chunker, quote location), which is what
//! the fuzz targets build.
//!
//! Module map:
//! - [`text`]: canonical text and code point offsets (the one span unit).
//! - [`document`]: the document model (ids, kinds, pages, sheet and
//!   declaration structure, ingest status).
//! - [`parse`]: PDF (two extractors), text/Markdown/HTML, CSV/XLSX and
//!   IPC-1752A XML parsers, contained against hostile input.
//! - [`analyze`]: document kind and subjects (part numbers, product names).
//! - [`chunk`]: structure-aware chunking with spans.
//! - [`embed`]: dense (fastembed) and sparse (BM25) embeddings.
//! - [`store`]: the vector store trait, embedded and server backends, and
//!   their conformance suite.
//! - [`catalog`]: durable document records and their texts.
//! - [`library`]: the engine handle (catalog, store, embedder, visibility
//!   lock) every concern works through.
//! - [`ingest`]: the ingest pipeline and its worker.
//! - [`layout`]: positioned words → reading-order text, tables and word boxes.
//! - [`extract`]: field extraction with verified citations.
//! - [`quote`]: quotes located in a text (exact, normalised, fuzzy).
//! - [`evidence`]: evidence packs (answer, quotes, page crops) as a ZIP.
//! - [`search`]: hybrid retrieval over chunks.
//! - [`llm`]: the OpenAI-compatible language model client.
//! - [`ask`]: questions answered with numbered, verified citations.
//! - [`prompts`]: versioned prompt files.
//! - [`render`]: PDF page images and crops, cached per document version.
//! - [`testpdf`]: a minimal PDF writer for tests (text at known positions).

#[cfg(feature = "service")]
pub mod analyze;
#[cfg(feature = "service")]
pub mod ask;
#[cfg(feature = "service")]
pub mod bom;
#[cfg(feature = "service")]
pub mod bom_jobs;
#[cfg(feature = "service")]
pub mod catalog;
pub mod chunk;
#[cfg(feature = "service")]
pub mod config;
pub mod document;
#[cfg(feature = "service")]
pub mod embed;
#[cfg(feature = "service")]
pub mod evidence;
#[cfg(feature = "service")]
pub mod extract;
#[cfg(feature = "service")]
pub mod handoff;
#[cfg(feature = "service")]
pub mod ingest;
pub mod layout;
#[cfg(feature = "service")]
pub mod library;
#[cfg(feature = "service")]
pub mod llm;
#[cfg(feature = "service")]
pub mod originals;
pub mod parse;
#[cfg(feature = "service")]
pub mod prompts;
#[cfg(feature = "service")]
pub mod query_embed;
pub mod quote;
#[cfg(feature = "service")]
pub mod render;
#[cfg(feature = "service")]
pub mod review;
#[cfg(feature = "service")]
pub mod search;
#[cfg(feature = "service")]
pub mod store;
pub mod testpdf;
pub mod text;
#[cfg(feature = "service")]
pub mod xlsx;
