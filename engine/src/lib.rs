//! attest's domain library.
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
//! - [`evidence`]: evidence packs (answer, quotes, page crops) as a ZIP.
//! - [`search`]: hybrid retrieval over chunks.
//! - [`llm`]: the OpenAI-compatible language model client.
//! - [`ask`]: questions answered with numbered, verified citations.
//! - [`prompts`]: versioned prompt files.
//! - [`render`]: PDF page images and crops, cached per document version.
//! - [`testpdf`]: a minimal PDF writer for tests (text at known positions).

pub mod analyze;
pub mod ask;
pub mod bom;
pub mod bom_jobs;
pub mod catalog;
pub mod chunk;
pub mod config;
pub mod document;
pub mod embed;
pub mod evidence;
pub mod extract;
pub mod handoff;
pub mod ingest;
pub mod layout;
pub mod library;
pub mod llm;
pub mod originals;
pub mod parse;
pub mod prompts;
pub mod query_embed;
pub mod render;
pub mod review;
pub mod search;
pub mod store;
pub mod testpdf;
pub mod text;
pub mod xlsx;
