//! `attest-eval`: scores extraction against a gold file.
//!
//! - `run`: ingest the gold file's documents into a fresh temporary store
//!   in-process (or use `--service URL`), extract each case, score, write
//!   report.json, report.md and one chart per field.
//! - `compare A.json B.json`: what got better and worse, case by case.
//! - `check REPORT --baseline FILE`: fails when a metric fell below the
//!   committed baseline.

mod export;
mod gold;
mod report;
mod runner;
mod score;
mod train;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use serde_json::{Value, json};

use attest_engine::config::Settings;
use attest_engine::extract::Mode;
use attest_engine::library::Engine;

use report::{CaseResult, FieldResult};
use runner::Backend;

#[derive(Parser)]
#[command(
    name = "attest-eval",
    about = "Score attest's extraction against manual ground truth"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Run {
        #[arg(long)]
        gold: PathBuf,
        /// Corpus roots; each case's `doc` is resolved against them in order.
        #[arg(long = "root", required = true)]
        roots: Vec<PathBuf>,
        #[arg(long)]
        out: PathBuf,
        /// Score a running service instead of an in-process engine.
        #[arg(long)]
        service: Option<String>,
        /// Extraction mode (the service's `mode`). `llm` and `auto` use the
        /// language model configured by `ATTEST_LLM_*`.
        #[arg(long, default_value = "rules", value_parser = ["rules", "model", "llm", "auto"])]
        mode: String,
        /// Fold models written by `train`: each case is scored by the model
        /// that did not see its document (cross-validated numbers).
        #[arg(long)]
        scorer_folds: Option<PathBuf>,
    },
    /// Trains the learned scorer on the gold set, with grouped
    /// cross-validation, and writes the model and the fold models.
    Train {
        /// Gold files (repeat `--gold` for several: the dev set and
        /// exported review cases, say).
        #[arg(long = "gold", required = true)]
        gold: Vec<PathBuf>,
        #[arg(long = "root", required = true)]
        roots: Vec<PathBuf>,
        /// The model file to write (e.g. scorer/models/scorer-1.json).
        #[arg(long)]
        out: PathBuf,
        /// Where to write the fold models and the cross-validation report.
        #[arg(long)]
        folds_out: PathBuf,
        #[arg(long, default_value_t = 5)]
        folds: usize,
    },
    Compare {
        a: PathBuf,
        b: PathBuf,
    },
    /// Writes every review decision in a data directory as gold cases
    /// (the dev-set format, with evidence snippets) and a notes file beside
    /// them.
    ExportGold {
        /// The service's data directory (ATTEST_DATA_DIR).
        #[arg(long, env = "ATTEST_DATA_DIR", default_value = ".attest")]
        data_dir: PathBuf,
        /// The service's PostgreSQL catalog, when it has one.
        #[arg(long, env = "ATTEST_DATABASE_URL", hide_env_values = true)]
        database_url: Option<String>,
        /// Where the service keeps originals, when not in its data
        /// directory (`s3://bucket/prefix`).
        #[arg(long, env = "ATTEST_OBJECT_STORE_URL")]
        object_store_url: Option<String>,
        /// Only this tenant's decisions.
        #[arg(long)]
        tenant: Option<String>,
        #[arg(long)]
        out: PathBuf,
        /// Copy the documents as received here, under their source names,
        /// so the cases resolve against this folder as a corpus root.
        #[arg(long)]
        docs: Option<PathBuf>,
    },
    Check {
        report: PathBuf,
        #[arg(long)]
        baseline: PathBuf,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(
            std::env::var("ATTEST_LOG").unwrap_or_else(|_| "error".into()),
        ))
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Run {
            gold,
            roots,
            out,
            service,
            mode,
            scorer_folds,
        } => run(gold, roots, out, service, mode, scorer_folds).await,
        Command::Train {
            gold,
            roots,
            out,
            folds_out,
            folds,
        } => train::train(gold, roots, out, folds_out, folds).await,
        Command::ExportGold {
            data_dir,
            database_url,
            object_store_url,
            tenant,
            out,
            docs,
        } => {
            let database_url = database_url.filter(|u| !u.trim().is_empty());
            let e = export::export_gold(
                &data_dir,
                database_url.as_deref(),
                object_store_url.as_deref(),
                tenant.as_deref(),
                &out,
                docs.as_deref(),
            )
            .await?;
            for s in &e.skipped {
                eprintln!("skipped {s}");
            }
            println!(
                "{} case(s) from {} decision(s) written to {}",
                e.cases,
                e.decisions,
                out.display()
            );
            Ok(())
        }
        Command::Compare { a, b } => {
            let ra: report::Report = serde_json::from_slice(&std::fs::read(&a)?)?;
            let rb: report::Report = serde_json::from_slice(&std::fs::read(&b)?)?;
            print!("{}", report::compare(&ra, &rb));
            Ok(())
        }
        Command::Check { report, baseline } => {
            let r: report::Report = serde_json::from_slice(&std::fs::read(&report)?)?;
            let b: Value = serde_json::from_slice(&std::fs::read(&baseline)?)?;
            let regressions = report::regressions(&r, &b);
            if regressions.is_empty() {
                println!("no metric below the baseline ({})", baseline.display());
                Ok(())
            } else {
                for line in &regressions {
                    eprintln!("regression: {line}");
                }
                anyhow::bail!("{} metric(s) below the baseline", regressions.len())
            }
        }
    }
}

async fn run(
    gold_path: PathBuf,
    roots: Vec<PathBuf>,
    out: PathBuf,
    service: Option<String>,
    mode: String,
    scorer_folds: Option<PathBuf>,
) -> anyhow::Result<()> {
    let cases = gold::load(&gold_path)?;
    let mode_v = Mode::parse(&mode).context("unknown mode")?;
    let settings = Settings::load(None)?;
    let extractors = settings.extractors()?;
    let folds = scorer_folds
        .as_deref()
        .map(train::FoldModels::load)
        .transpose()?;
    let (backend, _tmp) = open_backend(&service, settings).await?;
    let ids = backend.ingest(&cases, &roots).await?;
    let mut results = Vec::new();
    for case in &cases {
        let Some(doc_id) = ids.get(&case.doc) else {
            eprintln!("skipping {}: document not found", case.id);
            continue;
        };
        let x = match &folds {
            Some(f) => f.extractors_for(&case.doc, &extractors),
            None => extractors.clone(),
        };
        let run = backend.run_case(case, doc_id, mode_v, &x).await;
        eprintln!(
            "{:<40} {:>7.0} ms{}",
            case.id,
            run.latency.as_secs_f64() * 1000.0,
            if run.degraded { " (degraded)" } else { "" }
        );
        let text = run.text.clone().unwrap_or_default();
        let evidence = |field: &str| {
            case.evidence
                .get(field)
                .map(|snippet| score::locate(&text, snippet))
                .unwrap_or_default()
        };
        let counts = score::score_case(case, &run.prediction, &evidence);
        let p = &run.prediction;
        let quotes = |c: &[score::Span]| c.to_vec();
        let mut fields = BTreeMap::new();
        let entries: [(&str, Value, Value, Vec<score::Span>); 4] = [
            (
                "mass",
                json!(p.mass_g.as_ref().map(|m| m.value)),
                json!(case.mass_g),
                p.mass_g
                    .as_ref()
                    .map(|m| quotes(&m.citations))
                    .unwrap_or_default(),
            ),
            (
                "origin",
                json!(p.origin.iter().map(|o| &o.value).collect::<Vec<_>>()),
                json!(case.origin),
                p.origin.iter().flat_map(|o| quotes(&o.citations)).collect(),
            ),
            (
                "materials",
                json!(p.materials.iter().map(|o| &o.value).collect::<Vec<_>>()),
                json!(case.materials),
                p.materials
                    .iter()
                    .flat_map(|o| quotes(&o.citations))
                    .collect(),
            ),
            (
                "recycled",
                json!(
                    p.recycled
                        .iter()
                        .map(|o| json!({"material": o.value.0, "pct": o.value.1}))
                        .collect::<Vec<_>>()
                ),
                json!(case.recycled),
                p.recycled
                    .iter()
                    .flat_map(|o| quotes(&o.citations))
                    .collect(),
            ),
        ];
        for ((name, predicted, gold, citations), c) in entries.into_iter().zip(counts) {
            fields.insert(
                name.to_owned(),
                FieldResult {
                    outcome: c.outcome().to_owned(),
                    predicted,
                    gold,
                    counts: c,
                    citations,
                },
            );
        }
        results.push(CaseResult {
            id: case.id.clone(),
            doc: case.doc.clone(),
            subject: case.subject.clone(),
            latency_ms: run.latency.as_secs_f64() * 1000.0,
            error: run.error,
            fields,
            degraded: run.degraded,
            llm: run.llm.as_ref().and_then(|l| serde_json::to_value(l).ok()),
        });
    }
    let config = json!({
        "gold": gold_path.display().to_string(),
        "roots": roots.iter().map(|r| r.display().to_string()).collect::<Vec<_>>(),
        "backend": if service.is_some() { "service" } else { "in-process" },
        "service": service,
        "mode": mode,
        "scorer": extractors.scorer.as_deref().map(attest_engine::extract::model::describe),
        "scorer_folds": scorer_folds.as_ref().map(|p| p.display().to_string()),
        "llm_model": extractors
            .llm
            .as_ref()
            .map(|c| format!("{} at {}", c.config().model, c.config().base_url)),
        "rules_version": attest_engine::extract::RULES_VERSION,
        "pipeline_version": attest_engine::extract::PIPELINE_VERSION,
    });
    let r = report::build(results, config);
    report::write(&r, &out)?;
    println!(
        "{} cases · overall P {:.3} R {:.3} F1 {:.3} grounding {:.3} · invented {} · report in {}",
        r.cases.len(),
        r.overall.precision,
        r.overall.recall,
        r.overall.f1,
        r.overall.grounding,
        r.invented,
        out.display()
    );
    for f in report::FIELDS {
        if let Some(m) = r.fields.get(f) {
            println!(
                "  {f:<10} P {:.3} R {:.3} F1 {:.3} grounding {:.3}",
                m.precision, m.recall, m.f1, m.grounding
            );
        }
    }
    Ok(())
}

/// An in-process engine on a fresh temporary store, or a running service.
pub(crate) async fn open_backend(
    service: &Option<String>,
    settings: Settings,
) -> anyhow::Result<(Backend, Option<tempfile::TempDir>)> {
    Ok(match service {
        Some(url) => (
            Backend::Service {
                base: url.trim_end_matches('/').to_owned(),
                client: reqwest::Client::new(),
            },
            None,
        ),
        None => {
            let tmp = tempfile::tempdir()?;
            let mut settings = settings;
            settings.data_dir = tmp.path().to_path_buf();
            settings.qdrant_url = None;
            let engine: Arc<Engine> = Engine::open(settings.engine_config()?)
                .await
                .context("cannot open engine")?;
            (Backend::InProcess(engine), Some(tmp))
        }
    })
}
