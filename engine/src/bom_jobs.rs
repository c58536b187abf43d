//! BOM roll-ups as jobs: a large BOM is accepted at once (`202`), rolled
//! up in the background a few lines at a time, with its progress and its
//! result kept in the catalog. A job is recorded before it is acknowledged
//! and every unfinished job runs again when the service starts, so none
//! that was accepted is lost; a job's lines are answered the same way each
//! time, so running one again gives the same result. A job is run under a
//! lease (renewed while it waits and runs): replicas sharing a catalog
//! look for jobs whose lease ran out (their replica died) and take them
//! over, and never start one another replica is running.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;

use crate::bom::{BomError, BomRequest, BomResult, roll_up_with_progress};
use crate::catalog::{CatalogError, StoredBomJob};
use crate::extract::Extractors;
use crate::library::Engine;

/// Jobs rolled up at once; the rest wait their turn.
const JOBS_AT_ONCE: usize = 2;
/// Progress is written at most this often.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Queued,
    Running,
    Done,
    Failed,
}

impl JobStatus {
    fn parse(s: &str) -> Self {
        match s {
            "queued" => JobStatus::Queued,
            "running" => JobStatus::Running,
            "done" => JobStatus::Done,
            _ => JobStatus::Failed,
        }
    }
}

/// A BOM job as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BomJob {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub status: JobStatus,
    /// Lines in the BOM.
    pub lines: usize,
    /// Lines answered so far.
    pub done: usize,
    /// Unix milliseconds.
    pub created_at: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The roll-up, once `done`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<BomResult>,
}

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Bom(#[from] BomError),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error("unreadable job record: {0}")]
    Corrupt(String),
}

impl BomJob {
    fn from_stored(s: StoredBomJob) -> Result<Self, JobError> {
        let result = match &s.result {
            Some(body) => {
                Some(serde_json::from_str(body).map_err(|e| JobError::Corrupt(e.to_string()))?)
            }
            None => None,
        };
        Ok(BomJob {
            id: s.id,
            name: s.name,
            status: JobStatus::parse(&s.status),
            lines: s.lines,
            done: s.done,
            created_at: s.created_at,
            finished_at: s.finished_at,
            error: s.error,
            result,
        })
    }
}

/// Runs BOM jobs for the service.
#[derive(Clone)]
pub struct BomJobs {
    engine: Arc<Engine>,
    extractors: Arc<Extractors>,
    slots: Arc<Semaphore>,
}

/// Stops a task when its owner goes, however it goes.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn new_id() -> Result<String, JobError> {
    let mut b = [0u8; 12];
    getrandom::fill(&mut b).map_err(|e| JobError::Corrupt(e.to_string()))?;
    Ok(format!(
        "bom_{}",
        b.iter().map(|x| format!("{x:02x}")).collect::<String>()
    ))
}

impl BomJobs {
    pub fn new(engine: Arc<Engine>, extractors: Arc<Extractors>) -> Self {
        BomJobs {
            engine,
            extractors,
            slots: Arc::new(Semaphore::new(JOBS_AT_ONCE)),
        }
    }

    /// Records the job (checked first, as a synchronous roll-up would be)
    /// and starts it.
    pub fn submit(&self, tenant: &str, req: &BomRequest) -> Result<BomJob, JobError> {
        crate::bom::validate(req)?;
        let id = new_id()?;
        let body = serde_json::to_string(req).map_err(|e| JobError::Corrupt(e.to_string()))?;
        self.engine.catalog.create_bom_job(
            &id,
            tenant,
            req.name.as_deref(),
            req.lines.len(),
            &body,
            (&self.engine.worker_id, self.engine.config.ingest_lease),
        )?;
        metrics::counter!("attest_bom_jobs_total", "event" => "accepted").increment(1);
        self.start(id.clone(), tenant.to_owned(), req.clone());
        self.get(tenant, &id)?
            .ok_or_else(|| JobError::Corrupt(format!("job {id} vanished")))
    }

    /// Starts every unfinished job no live lease holds: at start, the jobs
    /// an earlier run left; later, those of a replica that died.
    pub fn resume(&self) -> Result<usize, JobError> {
        let catalog = &self.engine.catalog;
        let pending =
            catalog.claim_bom_jobs(&self.engine.worker_id, self.engine.config.ingest_lease)?;
        let n = pending.len();
        for job in pending {
            match serde_json::from_str::<BomRequest>(&job.request) {
                Ok(req) => self.start(job.id, job.tenant, req),
                Err(e) => catalog.finish_bom_job(
                    &job.id,
                    Err(&format!("unreadable request: {e}")),
                    &[],
                )?,
            }
        }
        if n > 0 {
            tracing::info!(jobs = n, "resuming BOM jobs");
        }
        Ok(n)
    }

    /// Resumes the jobs left by an earlier run, then, on a catalog shared
    /// with other replicas, looks every half lease for jobs whose replica
    /// died.
    pub fn start_resuming(&self) -> Result<usize, JobError> {
        let catalog = &self.engine.catalog;
        if !catalog.is_shared() {
            // One process owns this catalog: its earlier run holds nothing.
            catalog.release_bom_jobs()?;
        }
        let n = self.resume()?;
        if catalog.is_shared() {
            let this = self.clone();
            let every = (self.engine.config.ingest_lease / 2).max(Duration::from_secs(1));
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(every).await;
                    let t = this.clone();
                    match tokio::task::spawn_blocking(move || t.resume()).await {
                        Ok(Ok(_)) => {}
                        Ok(Err(e)) => {
                            tracing::warn!(error = %e, "cannot look for BOM jobs to resume")
                        }
                        Err(e) => tracing::warn!(error = %e, "BOM resume task failed"),
                    }
                }
            });
        }
        Ok(n)
    }

    fn start(&self, id: String, tenant: String, req: BomRequest) {
        let this = self.clone();
        tokio::spawn(async move {
            let heartbeat = {
                let (engine, id) = (this.engine.clone(), id.clone());
                let lease = engine.config.ingest_lease;
                tokio::spawn(async move {
                    loop {
                        tokio::time::sleep(lease / 3).await;
                        let (e, i) = (engine.clone(), id.clone());
                        let renewed = tokio::task::spawn_blocking(move || {
                            e.catalog.renew_bom_job(&e.worker_id, &i, lease)
                        })
                        .await;
                        match renewed {
                            Ok(Ok(true)) => {}
                            Ok(Ok(false)) => {
                                tracing::warn!(job = %id, "the BOM job's lease was taken over")
                            }
                            Ok(Err(e)) => {
                                tracing::warn!(job = %id, error = %e, "cannot renew the BOM job's lease")
                            }
                            Err(_) => {}
                        }
                    }
                })
            };
            let _heartbeat = AbortOnDrop(heartbeat);
            let Ok(_slot) = this.slots.clone().acquire_owned().await else {
                return;
            };
            let started = Instant::now();
            let outcome = this.run(&id, &tenant, &req).await;
            let recorded = match &outcome {
                Ok((result, reviews)) => match serde_json::to_string(result) {
                    Ok(body) => this.engine.catalog.finish_bom_job(&id, Ok(&body), reviews),
                    Err(e) => this
                        .engine
                        .catalog
                        .finish_bom_job(&id, Err(&e.to_string()), &[]),
                },
                Err(e) => this
                    .engine
                    .catalog
                    .finish_bom_job(&id, Err(&e.to_string()), &[]),
            };
            let event = if outcome.is_ok() { "done" } else { "failed" };
            metrics::counter!("attest_bom_jobs_total", "event" => event).increment(1);
            metrics::histogram!("attest_bom_job_seconds").record(started.elapsed().as_secs_f64());
            match (outcome, recorded) {
                (_, Err(e)) => {
                    tracing::error!(job = %id, error = %e, "cannot record the BOM job's end")
                }
                (Err(e), _) => tracing::warn!(job = %id, error = %e, "BOM job failed"),
                (Ok((r, _)), _) => tracing::info!(
                    job = %id,
                    lines = r.lines.len(),
                    secs = started.elapsed().as_secs_f64(),
                    "BOM job done"
                ),
            }
        });
    }

    async fn run(
        &self,
        id: &str,
        tenant: &str,
        req: &BomRequest,
    ) -> Result<(BomResult, Vec<String>), JobError> {
        self.engine.catalog.bom_job_progress(id, 0)?;
        let mut last = Instant::now();
        let catalog = &self.engine.catalog;
        let result =
            roll_up_with_progress(&self.engine, &self.extractors, tenant, id, req, |done| {
                if last.elapsed() >= PROGRESS_EVERY {
                    last = Instant::now();
                    if let Err(e) = catalog.bom_job_progress(id, done) {
                        tracing::warn!(job = %id, error = %e, "cannot record BOM progress");
                    }
                }
            })
            .await?;
        // The review items of the lines' values, so the queue can be
        // filtered by this BOM.
        let mut reviews: Vec<String> = result
            .lines
            .iter()
            .flat_map(|l| crate::review::item_ids(tenant, &l.extraction))
            .collect();
        reviews.sort();
        reviews.dedup();
        Ok((result, reviews))
    }

    pub fn get(&self, tenant: &str, id: &str) -> Result<Option<BomJob>, JobError> {
        self.engine
            .catalog
            .bom_job(tenant, id)?
            .map(BomJob::from_stored)
            .transpose()
    }

    /// The tenant's jobs, newest first, without their results.
    pub fn list(&self, tenant: &str, limit: usize) -> Result<Vec<BomJob>, JobError> {
        self.engine
            .catalog
            .bom_jobs(tenant, limit)?
            .into_iter()
            .map(BomJob::from_stored)
            .collect()
    }
}
