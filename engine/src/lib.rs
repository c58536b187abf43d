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

pub mod chunk;
pub mod document;
pub mod layout;
pub mod parse;
pub mod quote;
pub mod testpdf;
pub mod text;

/// Declares the modules that need the `service` feature.
macro_rules! service_modules {
    ($($name:ident),* $(,)?) => {
        $(
            #[cfg(feature = "service")]
            pub mod $name;
        )*
    };
}

service_modules!(
    analyze,
    ask,
    bom,
    bom_jobs,
    catalog,
    config,
    embed,
    evidence,
    extract,
    handoff,
    ingest,
    library,
    llm,
    originals,
    prompts,
    query_embed,
    render,
    review,
    search,
    store,
    xlsx,
);
