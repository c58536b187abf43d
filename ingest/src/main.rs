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

use attest_engine::config::Settings;
use attest_engine::document::{DEFAULT_TENANT, IngestStatus};
use attest_engine::ingest::collect_files;
use attest_engine::library::{Engine, EngineError};
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
