//! Query embeddings in micro-batches, off the async runtime, with a bounded
//! queue.
//!
//! Concurrent searches each need one short embedding. Run one by one, every
//! query pays a whole model call and the calls queue behind one another on
//! the runtime's blocking pool without bound. Here one thread owns query
//! embedding: it takes the first waiting query, collects whatever else
//! arrives within a short window (or until the batch is full), embeds them
//! in one model call and answers each caller. The queue in front of it is
//! bounded; when it is full the caller is told at once ([`Overloaded`]) and
//! the service answers 503 with Retry-After instead of letting latency grow
//! without limit. A caller that gave up (its request timed out) is skipped.

use std::sync::Arc;
use std::sync::mpsc::{RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use crate::embed::{EmbedError, Embedder};

/// Micro-batching settings.
#[derive(Debug, Clone, Copy)]
pub struct QueryBatching {
    /// Most queries in one model call.
    pub max_batch: usize,
    /// How long the first query of a batch waits for company.
    pub window: Duration,
    /// Queries waiting beyond the one being embedded; more are refused.
    pub queue: usize,
}

impl Default for QueryBatching {
    fn default() -> Self {
        Self {
            max_batch: 32,
            window: Duration::from_millis(2),
            queue: 256,
        }
    }
}

/// The queue is full: try again shortly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("query embedding is at capacity ({queue} waiting); retry shortly")]
pub struct Overloaded {
    pub queue: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum QueryEmbedError {
    #[error(transparent)]
    Overloaded(#[from] Overloaded),
    #[error(transparent)]
    Embed(#[from] EmbedError),
}

struct Job {
    text: String,
    reply: oneshot::Sender<Result<Vec<f32>, EmbedError>>,
}

/// Handle on the query-embedding thread; the thread ends when the last
/// handle is dropped.
#[derive(Clone)]
pub struct QueryEmbedder {
    tx: SyncSender<Job>,
    queue: usize,
}

impl QueryEmbedder {
    pub fn start(embedder: Arc<dyn Embedder>, cfg: QueryBatching) -> Self {
        let queue = cfg.queue.max(1);
        let (tx, rx) = sync_channel::<Job>(queue);
        let max_batch = cfg.max_batch.max(1);
        let spawned = std::thread::Builder::new()
            .name("attest-query-embed".into())
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    let mut jobs = vec![first];
                    let deadline = Instant::now() + cfg.window;
                    while jobs.len() < max_batch {
                        let left = deadline.saturating_duration_since(Instant::now());
                        match rx.recv_timeout(left) {
                            Ok(j) => jobs.push(j),
                            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
                                break;
                            }
                        }
                    }
                    jobs.retain(|j| !j.reply.is_closed());
                    if jobs.is_empty() {
                        continue;
                    }
                    let texts: Vec<String> = jobs.iter().map(|j| j.text.clone()).collect();
                    let started = std::time::Instant::now();
                    let result = embedder.embed(&texts);
                    metrics::histogram!("attest_embed_batch_size", "kind" => "query")
                        .record(texts.len() as f64);
                    metrics::histogram!("attest_embed_batch_seconds", "kind" => "query")
                        .record(started.elapsed().as_secs_f64());
                    match result {
                        Ok(vectors) if vectors.len() == jobs.len() => {
                            for (j, v) in jobs.into_iter().zip(vectors) {
                                let _ = j.reply.send(Ok(v));
                            }
                        }
                        Ok(vectors) => {
                            let e = format!("{} vectors for {} queries", vectors.len(), jobs.len());
                            for j in jobs {
                                let _ = j.reply.send(Err(EmbedError::Inference(e.clone())));
                            }
                        }
                        Err(e) => {
                            let e = e.to_string();
                            for j in jobs {
                                let _ = j.reply.send(Err(EmbedError::Inference(e.clone())));
                            }
                        }
                    }
                }
            });
        if let Err(e) = spawned {
            // Without the thread every query fails with a clear error
            // (the receiver is gone), rather than hanging.
            tracing::error!(error = %e, "query embedding thread did not start");
        }
        Self { tx, queue }
    }

    /// Embeds one query, batched with whatever else is waiting.
    pub async fn embed(&self, text: String) -> Result<Vec<f32>, QueryEmbedError> {
        let (reply, answer) = oneshot::channel();
        match self.tx.try_send(Job { text, reply }) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                metrics::counter!("attest_query_embed_shed_total").increment(1);
                return Err(Overloaded { queue: self.queue }.into());
            }
            Err(TrySendError::Disconnected(_)) => {
                return Err(EmbedError::Inference(
                    "the query embedding thread is not running".into(),
                )
                .into());
            }
        }
        let waiting = metrics::gauge!("attest_query_embed_waiting");
        waiting.increment(1.0);
        let answer = answer.await;
        waiting.decrement(1.0);
        answer
            .map_err(|_| {
                QueryEmbedError::Embed(EmbedError::Inference(
                    "the query embedding thread stopped".into(),
                ))
            })?
            .map_err(Into::into)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// Embeds a text as [its length, call number], slowly, recording each
    /// call's batch size.
    struct Slow {
        delay: Duration,
        batches: Mutex<Vec<usize>>,
    }

    impl Embedder for Slow {
        fn model_name(&self) -> &str {
            "slow"
        }
        fn dim(&self) -> usize {
            2
        }
        fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
            std::thread::sleep(self.delay);
            let mut b = self.batches.lock().unwrap();
            b.push(texts.len());
            let call = b.len() as f32;
            Ok(texts.iter().map(|t| vec![t.len() as f32, call]).collect())
        }
    }

    fn slow(ms: u64) -> Arc<Slow> {
        Arc::new(Slow {
            delay: Duration::from_millis(ms),
            batches: Mutex::new(Vec::new()),
        })
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_queries_share_model_calls_and_each_gets_its_own_vector() {
        let model = slow(30);
        let q = QueryEmbedder::start(
            model.clone(),
            QueryBatching {
                max_batch: 16,
                window: Duration::from_millis(5),
                queue: 64,
            },
        );
        let tasks: Vec<_> = (1..=40)
            .map(|n| {
                let q = q.clone();
                tokio::spawn(async move { (n, q.embed("x".repeat(n)).await.unwrap()) })
            })
            .collect();
        for t in tasks {
            let (n, v) = t.await.unwrap();
            assert_eq!(v[0], n as f32, "query {n} got another query's vector");
        }
        let batches = model.batches.lock().unwrap().clone();
        assert_eq!(batches.iter().sum::<usize>(), 40);
        assert!(batches.iter().all(|&b| b <= 16), "{batches:?}");
        // While one batch runs (30 ms) the others queue: far fewer calls
        // than queries.
        assert!(batches.len() <= 10, "{batches:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_queue_refuses_at_once_and_recovers() {
        let model = slow(200);
        let q = QueryEmbedder::start(
            model.clone(),
            QueryBatching {
                max_batch: 1,
                window: Duration::ZERO,
                queue: 2,
            },
        );
        let first = {
            let q = q.clone();
            tokio::spawn(async move { q.embed("a".into()).await })
        };
        // Let the thread take the first query into the model.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let waiting: Vec<_> = (0..2)
            .map(|_| {
                let q = q.clone();
                tokio::spawn(async move { q.embed("bb".into()).await })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(20)).await;
        let started = Instant::now();
        let refused = q.embed("ccc".into()).await;
        assert!(
            matches!(
                refused,
                Err(QueryEmbedError::Overloaded(Overloaded { queue: 2 }))
            ),
            "{refused:?}"
        );
        assert!(started.elapsed() < Duration::from_millis(50));
        assert!(first.await.unwrap().is_ok());
        for w in waiting {
            assert!(w.await.unwrap().is_ok());
        }
        // Served again once the queue drains.
        assert_eq!(q.embed("dddd".into()).await.unwrap()[0], 4.0);
    }

    #[tokio::test]
    async fn a_failing_model_fails_each_query_clearly() {
        struct Broken;
        impl Embedder for Broken {
            fn model_name(&self) -> &str {
                "broken"
            }
            fn dim(&self) -> usize {
                2
            }
            fn embed(&self, _: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
                Err(EmbedError::Inference("out of memory".into()))
            }
        }
        let q = QueryEmbedder::start(Arc::new(Broken), QueryBatching::default());
        let e = q.embed("x".into()).await.unwrap_err();
        assert!(e.to_string().contains("out of memory"), "{e}");
    }
}
