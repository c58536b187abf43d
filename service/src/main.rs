//! `attest`: the HTTP service. With the embedded store it also runs the
//! ingest worker, so `attest serve --ingest DIR` ingests and serves in one
//! process.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};

use attest_engine::document::DEFAULT_TENANT;
use attest_engine::ingest::collect_files;
use attest_service::Settings;
use attest_service::startup::Application;

#[derive(Parser)]
#[command(
    name = "attest",
    version,
    about = "Cited answers about materials, mass, origin and recycled content"
)]
struct Cli {
    /// TOML configuration file (environment variables ATTEST_* override it).
    #[arg(long, global = true, env = "ATTEST_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API.
    Serve {
        /// Files or folders to ingest in the background once serving.
        #[arg(long, num_args = 1..)]
        ingest: Vec<PathBuf>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::load(cli.config.as_deref())?;
    init_tracing(&settings.log_format);
    tracing::info!(settings = ?settings, "starting");
    match cli.command {
        Command::Serve { ingest } => {
            let app = Application::build(settings.clone())
                .await
                .context("cannot start attest")?;
            let engine = app.state.engine.clone();
            let files = collect_files(&ingest);
            let mut queued = 0usize;
            for file in &files {
                let name = file
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or("unnamed");
                match std::fs::read(file) {
                    Ok(bytes) => match engine.submit(DEFAULT_TENANT, name, &bytes) {
                        Ok(s) if s.status == attest_engine::document::IngestStatus::Queued => {
                            engine.enqueue(&s.id);
                            queued += 1;
                        }
                        Ok(_) => {}
                        Err(e) => {
                            tracing::error!(file = %file.display(), error = %e, "cannot submit")
                        }
                    },
                    Err(e) => tracing::error!(file = %file.display(), error = %e, "cannot read"),
                }
            }
            let host = settings
                .addr
                .rsplit_once(':')
                .map(|(h, _)| h)
                .unwrap_or("127.0.0.1");
            println!("attest is serving on http://{host}:{}", app.port());
            if !files.is_empty() {
                println!(
                    "{} file(s) found, {queued} queued for ingest (unchanged files are skipped); \
                     GET /v1/documents shows each one's status",
                    files.len()
                );
            }
            app.run_until_stopped().await?;
        }
    }
    Ok(())
}

fn init_tracing(format: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("ATTEST_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,qdrant_edge=warn,ort=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}
