//! `attest-ingest`: ingest files and folders, watch an inbox folder, or run
//! as an ingest worker for the documents queued in the catalog.
//!
//! With a Qdrant server configured (`ATTEST_QDRANT_URL`) any number of these
//! can run beside the service; workers sharing a PostgreSQL catalog
//! (`ATTEST_DATABASE_URL`) with `attest serve --no-worker` replicas ingest
//! what those accept. With the embedded store only one process may
//! hold the index: workers beside it run with `--no-store` and hand their
//! vectors to it through the catalog.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use attest_engine::chunk::chunk_document;
use attest_engine::config::Settings;
use attest_engine::document::{DEFAULT_TENANT, IngestStatus};
use attest_engine::ingest::collect_files;
use attest_engine::library::{Engine, EngineError};
use attest_engine::parse::parse;
use attest_engine::store::StoreError;

#[derive(Parser)]
#[command(
    name = "attest-ingest",
    version,
    about = "Ingest supplier documents into attest's index"
)]
struct Cli {
    /// TOML configuration file (environment variables ATTEST_* override it).
    #[arg(long, global = true, env = "ATTEST_CONFIG")]
    config: Option<PathBuf>,
    /// Open no vector store (ATTEST_STORE=false): parse, chunk and embed
    /// here and hand the vectors off, through the shared PostgreSQL
    /// catalog, to the `attest serve` process that owns the embedded store;
    /// a document becomes searchable once that process has applied them.
    #[arg(long, global = true)]
    no_store: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Ingest files and folders (recursively), then print a summary.
    Run {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Ingest the documents queued in the catalog (uploads acknowledged by
    /// any process sharing it), claiming them under leases, until SIGTERM
    /// or Ctrl-C; the documents in hand are finished first.
    Worker,
    /// Watch a folder and ingest every file that appears in it.
    Watch {
        inbox: PathBuf,
        /// Seconds between scans.
        #[arg(long, default_value_t = 2)]
        interval: u64,
    },
    /// Print the chunks files and folders give, one JSON line each
    /// (`source`, `chunk`, `page`, `chars`, `text`: the exact text the
    /// model embeds), reading them with the configured parse limits and
    /// chunk budget; nothing is embedded or stored.
    Chunks {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let mut settings = Settings::load(cli.config.as_deref())?;
    if cli.no_store {
        settings.store = false;
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ATTEST_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    if let Command::Chunks { paths } = &cli.command {
        return print_chunks(&settings, paths);
    }
    let engine = match Engine::open(settings.engine_config()?).await {
        Ok(e) => e,
        Err(EngineError::Store(StoreError::Locked { path })) => anyhow::bail!(
            "the embedded store at {path} is held by another process (is `attest serve` running?).\n\
             Upload through POST /v1/documents, drop files into the service's inbox (ATTEST_INBOX_DIR),\n\
             run this with --no-store on a shared PostgreSQL catalog (ATTEST_DATABASE_URL) to hand the vectors to it,\n\
             or configure a Qdrant server with ATTEST_QDRANT_URL so several processes can share the index."
        ),
        Err(e) => return Err(e).context("cannot open the index"),
    };
    match cli.command {
        Command::Run { paths } => run(&engine, &paths).await,
        Command::Worker => {
            eprintln!("ingest worker {} started", engine.worker_id);
            let worker = engine.spawn_worker();
            attest_engine::library::stop_signal().await;
            eprintln!("stopping: finishing the documents in hand");
            engine.stop_worker();
            worker.await.context("the worker failed")?;
            Ok(())
        }
        Command::Chunks { .. } => unreachable!("answered before the index is opened"),
        Command::Watch { inbox, interval } => {
            eprintln!(
                "watching {} (processed files move to processed/ or failed/)",
                inbox.display()
            );
            engine
                .watch_inbox(
                    DEFAULT_TENANT.into(),
                    inbox,
                    Duration::from_secs(interval.max(1)),
                )
                .await;
            Ok(())
        }
    }
}

/// Writes each file's chunks as JSON lines on stdout; a file the parser
/// rejects is reported on stderr and makes the exit status non-zero.
fn print_chunks(settings: &Settings, paths: &[PathBuf]) -> anyhow::Result<()> {
    use std::io::Write;
    let config = settings.engine_config()?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut failures = 0usize;
    for path in collect_files(paths) {
        let source = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("unnamed");
        let parsed = std::fs::read(&path)
            .map_err(|e| e.to_string())
            .and_then(|bytes| parse(source, &bytes, &config.limits).map_err(|e| e.to_string()));
        let parsed = match parsed {
            Ok(p) => p,
            Err(e) => {
                eprintln!("failed  {}: {e}", path.display());
                failures += 1;
                continue;
            }
        };
        for c in chunk_document(
            &parsed.text,
            &parsed.pages,
            parsed.sheet.as_ref(),
            config.chunk,
        ) {
            let line = serde_json::json!({
                "source": source,
                "chunk": c.index,
                "page": c.page,
                "chars": [c.span.start, c.span.end],
                "text": c.embed_text,
            });
            writeln!(out, "{line}")?;
        }
    }
    out.flush()?;
    if failures > 0 {
        anyhow::bail!("{failures} file(s) could not be read");
    }
    Ok(())
}

async fn run(engine: &Engine, paths: &[PathBuf]) -> anyhow::Result<()> {
    let started = Instant::now();
    let total = collect_files(paths).len();
    let bar = ProgressBar::new(total as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {elapsed_precise} {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let summary = engine
        .ingest_paths(DEFAULT_TENANT, paths, |path, result| {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("?");
            match result {
                Ok(doc) if doc.meta.status == IngestStatus::Ready => {
                    bar.set_message(name.to_owned())
                }
                Ok(doc) => bar.println(format!(
                    "failed  {name}: {}",
                    doc.meta
                        .error
                        .as_ref()
                        .map(|e| e.message.as_str())
                        .unwrap_or("unknown")
                )),
                Err(e) => bar.println(format!("failed  {name}: {e}")),
            }
            bar.inc(1);
        })
        .await?;
    bar.finish_and_clear();
    println!(
        "documents: {} ingested ({} unchanged), pages: {}, chunks: {}, failures: {}, elapsed: {:.1} s",
        summary.documents,
        summary.unchanged,
        summary.pages,
        summary.chunks,
        summary.failures.len(),
        started.elapsed().as_secs_f64()
    );
    for (source, err) in &summary.failures {
        println!("  failed {source}: [{}] {}", err.code, err.message);
    }
    Ok(())
}
