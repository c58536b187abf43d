//! `attest`: the HTTP service. With the embedded store it also runs the
//! ingest worker, so `attest serve --ingest DIR` ingests and serves in one
//! process.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};

use attest_engine::catalog::db::redact_url;
use attest_engine::catalog::{Catalog, Scope};
use attest_engine::config::AuthMode;
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
        /// Run no ingest worker (ATTEST_WORKER=false): uploads are stored
        /// and acknowledged, and `attest-ingest worker` processes (or
        /// another replica's worker) on the same catalog ingest them.
        #[arg(long)]
        no_worker: bool,
        /// Open no vector store (ATTEST_STORE=false): a replica beside the
        /// process that owns the embedded store, on a shared PostgreSQL
        /// catalog. It answers extraction, documents, BOMs and reviews from
        /// the catalog, hands its worker's vectors and its deletions off to
        /// the store's owner, and answers search (and chat from passages)
        /// with 503.
        #[arg(long)]
        no_store: bool,
    },
    /// Create, list and revoke API keys (in the data directory's catalog;
    /// a running service sees changes on the next request).
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Read the audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Create a key and print it once (only its hash is stored).
    Create {
        /// The tenant whose documents the key reaches.
        #[arg(long)]
        tenant: String,
        /// Comma-separated: read, extract, ingest, metrics, admin.
        #[arg(long, default_value = "read,extract")]
        scopes: String,
        /// A note on who holds the key.
        #[arg(long)]
        label: Option<String>,
    },
    /// List keys (ids, tenants, scopes; never the keys).
    List,
    /// Revoke a key by id.
    Revoke { id: String },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Print the last events, then (with --follow) new ones as they come.
    Tail {
        #[arg(short = 'n', long, default_value_t = 20)]
        lines: usize,
        #[arg(short, long)]
        follow: bool,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let mut settings = Settings::load(cli.config.as_deref())?;
    match cli.command {
        Command::Keys { command } => return keys(&settings, command),
        Command::Audit {
            command: AuditCommand::Tail { lines, follow },
        } => {
            let dir = settings
                .audit_dir
                .clone()
                .unwrap_or_else(|| settings.data_dir.join("audit"));
            attest_service::audit::tail(&dir, lines, follow, &mut std::io::stdout().lock())?;
            return Ok(());
        }
        Command::Serve {
            no_worker,
            no_store,
            ..
        } => {
            if no_worker {
                settings.worker = false;
            }
            if no_store {
                settings.store = false;
            }
        }
    }
    init_tracing(&settings.log_format);
    tracing::info!(settings = ?settings, "starting");
    match cli.command {
        Command::Keys { .. } | Command::Audit { .. } => {}
        Command::Serve { ingest, .. } => {
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
                    Ok(bytes) => match engine.submit(DEFAULT_TENANT, name, &bytes).await {
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
            if settings.auth == AuthMode::Open {
                println!(
                    "attest: AUTH IS OFF (ATTEST_AUTH=open): anyone who can reach the port \
                     can read, upload and delete every document"
                );
            }
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

fn keys(settings: &Settings, command: KeysCommand) -> anyhow::Result<()> {
    let catalog = Catalog::connect(&settings.data_dir, settings.database_url.as_deref())
        .with_context(|| match &settings.database_url {
            Some(url) => format!("cannot open the catalog at {}", redact_url(url)),
            None => format!("cannot open the catalog in {}", settings.data_dir.display()),
        })?;
    match command {
        KeysCommand::Create {
            tenant,
            scopes,
            label,
        } => {
            let scopes = Scope::parse_list(&scopes)?;
            let new = catalog.create_key(&tenant, &scopes, label.as_deref())?;
            let names: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
            eprintln!(
                "key {} for tenant {} with scopes {}; it is shown only now:",
                new.record.id,
                new.record.tenant,
                names.join(",")
            );
            println!("{}", new.key);
        }
        KeysCommand::List => {
            for k in catalog.list_keys()? {
                println!("{}", serde_json::to_string(&k)?);
            }
        }
        KeysCommand::Revoke { id } => {
            let k = catalog.revoke_key(&id)?;
            println!("{}", serde_json::to_string(&k)?);
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
