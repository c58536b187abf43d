//! Runs extraction for every gold case, in-process or against a service.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::{Value, json};

use attest_engine::document::{DEFAULT_TENANT, IngestStatus};
use attest_engine::extract::{ExtractRequest, ExtractResponse, Extractors, Mode, extract};
use attest_engine::library::Engine;

use crate::gold::GoldCase;
use crate::score::{Cited, Prediction, Span};

/// One case's outcome before scoring.
pub struct CaseRun {
    pub prediction: Prediction,
    pub latency: Duration,
    /// The document's canonical text (for grounding), if it was ingested.
    pub text: Option<String>,
    pub error: Option<String>,
    /// An extractor the mode asked for did not answer.
    pub degraded: bool,
    pub llm: Option<attest_engine::extract::llm::LlmReport>,
}

pub enum Backend {
    InProcess(Arc<Engine>),
    Service {
        base: String,
        client: reqwest::Client,
    },
}

/// Finds a case's document under the first root that has it.
pub fn resolve(doc: &str, roots: &[PathBuf]) -> Option<PathBuf> {
    roots.iter().map(|r| r.join(doc)).find(|p| p.is_file())
}

fn prediction_from(resp: &ExtractResponse) -> Prediction {
    let spans = |c: &[attest_engine::extract::Citation]| {
        c.iter()
            .map(|c| Span {
                start: c.start,
                end: c.end,
                quote: c.quote.clone(),
            })
            .collect::<Vec<_>>()
    };
    Prediction {
        mass_g: resp.fields.mass.as_ref().map(|m| Cited {
            value: m.grams,
            citations: spans(&m.citations),
        }),
        origin: resp
            .fields
            .origin
            .iter()
            .map(|o| Cited {
                value: o.country.clone(),
                citations: spans(&o.citations),
            })
            .collect(),
        materials: resp
            .fields
            .materials
            .iter()
            .map(|m| Cited {
                value: m.name.clone(),
                citations: spans(&m.citations),
            })
            .collect(),
        recycled: resp
            .fields
            .recycled_content
            .iter()
            .map(|r| Cited {
                value: (r.material.clone(), r.percent),
                citations: spans(&r.citations),
            })
            .collect(),
    }
}

impl Backend {
    /// Ingests every document the gold file names; returns doc path → id.
    pub async fn ingest(
        &self,
        cases: &[GoldCase],
        roots: &[PathBuf],
    ) -> anyhow::Result<BTreeMap<String, String>> {
        let mut ids = BTreeMap::new();
        let docs: std::collections::BTreeSet<&str> = cases.iter().map(|c| c.doc.as_str()).collect();
        for doc in docs {
            let Some(path) = resolve(doc, roots) else {
                eprintln!("warning: {doc} not found under any root");
                continue;
            };
            let bytes = std::fs::read(&path).with_context(|| path.display().to_string())?;
            let name = file_name(&path);
            let id = match self {
                Backend::InProcess(engine) => {
                    let d = engine.ingest_bytes(DEFAULT_TENANT, &name, &bytes).await?;
                    if d.meta.status != IngestStatus::Ready {
                        eprintln!("warning: {doc} failed to ingest: {:?}", d.meta.error);
                    }
                    d.meta.id.clone()
                }
                Backend::Service { base, client } => upload(client, base, &name, bytes).await?,
            };
            ids.insert(doc.to_owned(), id);
        }
        Ok(ids)
    }

    pub async fn run_case(
        &self,
        case: &GoldCase,
        doc_id: &str,
        mode: Mode,
        extractors: &Extractors,
    ) -> CaseRun {
        let req = ExtractRequest {
            subject: case.subject.clone(),
            document_ids: Some(vec![doc_id.to_owned()]),
            fields: None,
            mode: Some(mode),
        };
        let started = Instant::now();
        let (result, latency, text) = match self {
            Backend::InProcess(engine) => {
                let r = extract(
                    engine,
                    extractors,
                    DEFAULT_TENANT,
                    &format!("eval-{}", case.id),
                    &req,
                )
                .await;
                let latency = started.elapsed();
                let text = engine.catalog.get(doc_id).map(|d| d.text.clone());
                (r.map_err(|e| e.to_string()), latency, text)
            }
            Backend::Service { base, client } => {
                let r = client
                    .post(format!("{base}/v1/extract"))
                    .json(&req)
                    .send()
                    .await;
                let latency = started.elapsed();
                let parsed = match r {
                    Ok(resp) if resp.status().is_success() => resp
                        .json::<ExtractResponse>()
                        .await
                        .map_err(|e| e.to_string()),
                    Ok(resp) => Err(format!("HTTP {}", resp.status())),
                    Err(e) => Err(e.to_string()),
                };
                let text = async {
                    let v: Value = client
                        .get(format!("{base}/v1/documents/{doc_id}/text"))
                        .send()
                        .await
                        .ok()?
                        .json()
                        .await
                        .ok()?;
                    v["text"].as_str().map(str::to_owned)
                }
                .await;
                (parsed, latency, text)
            }
        };
        CaseRun {
            degraded: result.as_ref().is_ok_and(|r| r.provenance.degraded),
            llm: result.as_ref().ok().and_then(|r| r.provenance.llm.clone()),
            prediction: result.as_ref().map(prediction_from).unwrap_or_default(),
            latency,
            text,
            error: result.err(),
        }
    }
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("document")
        .to_owned()
}

async fn upload(
    client: &reqwest::Client,
    base: &str,
    name: &str,
    bytes: Vec<u8>,
) -> anyhow::Result<String> {
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned());
    let form = reqwest::multipart::Form::new().part("file", part);
    let v: Value = client
        .post(format!("{base}/v1/documents"))
        .multipart(form)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let id = v["id"]
        .as_str()
        .context("upload answered without an id")?
        .to_owned();
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let meta: Value = client
            .get(format!("{base}/v1/documents/{id}"))
            .send()
            .await?
            .json()
            .await?;
        if meta["status"] != json!("queued") {
            return Ok(id);
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "{name} still queued after 10 minutes"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
