//! PDF text, page by page, from two extractors.
//!
//! pdf-extract is the primary extractor. It panics on some real PDFs
//! (unsupported CMaps) and returns almost nothing for others, so it runs on
//! its own thread under `catch_unwind` with a deadline. When it fails or its
//! output is too thin, poppler's `pdftotext` runs as a child process (killed
//! at the deadline) and the better of the two texts is kept. The document
//! records which extractor produced its text.
//!
//! A thread cannot be killed: a pdf-extract run that overruns its deadline is
//! abandoned and finishes (or spins) in the background. The count of such
//! threads is exposed so operators can see it; the worker itself moves on.

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use super::{ParseError, ParseLimits};
use crate::text::{content_chars, garbage_ratio};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PdfExtractor {
    PdfExtract,
    Pdftotext,
}

impl PdfExtractor {
    pub fn name(self) -> &'static str {
        match self {
            PdfExtractor::PdfExtract => "pdf-extract",
            PdfExtractor::Pdftotext => "pdftotext",
        }
    }
}

/// pdf-extract runs that overran their deadline and were abandoned.
pub static ABANDONED_PDF_THREADS: AtomicUsize = AtomicUsize::new(0);

#[derive(Debug)]
enum RunError {
    Failed(String),
    Panicked(String),
    TimedOut,
    Unavailable,
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Failed(e) => write!(f, "failed: {e}"),
            RunError::Panicked(e) => write!(f, "crashed: {e}"),
            RunError::TimedOut => write!(f, "timed out"),
            RunError::Unavailable => write!(f, "not installed"),
        }
    }
}

/// Text quality of one extractor's output.
fn score(pages: &[String]) -> (usize, f64) {
    let joined_chars: usize = pages.iter().map(|p| content_chars(p)).sum();
    let garbage = pages.iter().map(|p| garbage_ratio(p)).fold(0.0, f64::max);
    (joined_chars, garbage)
}

fn adequate(pages: &[String], limits: &ParseLimits) -> bool {
    let (chars, garbage) = score(pages);
    !pages.is_empty() && chars >= limits.min_chars_per_page * pages.len() && garbage < 0.05
}

/// Extracts one string per page.
pub(super) fn extract_pages(
    bytes: &[u8],
    limits: &ParseLimits,
) -> Result<(Vec<String>, PdfExtractor), ParseError> {
    let started = Instant::now();
    let primary = run_pdf_extract(bytes, limits.pdf_timeout);
    if let Ok(pages) = &primary
        && adequate(pages, limits)
    {
        return Ok((clean_pages(pages.clone()), PdfExtractor::PdfExtract));
    }
    let remaining = limits
        .pdf_timeout
        .saturating_sub(started.elapsed())
        .max(Duration::from_secs(5));
    let secondary = run_pdftotext(bytes, remaining);
    tracing::info!(
        primary = %primary.as_ref().map(|p| format!("{} chars", score(p).0)).unwrap_or_else(|e| e.to_string()),
        secondary = %secondary.as_ref().map(|p| format!("{} chars", score(p).0)).unwrap_or_else(|e| e.to_string()),
        "pdf fallback extractor ran"
    );
    let candidates = [
        primary.ok().map(|p| (p, PdfExtractor::PdfExtract)),
        match secondary {
            Ok(p) => Some((p, PdfExtractor::Pdftotext)),
            Err(RunError::Unavailable) => {
                tracing::warn!("pdftotext is not installed; no fallback PDF extractor");
                None
            }
            Err(_) => None,
        },
    ];
    // Prefer clean text, then more of it.
    let best = candidates
        .into_iter()
        .flatten()
        .filter(|(p, _)| !p.is_empty())
        .max_by(|(a, _), (b, _)| {
            let (ca, ga) = score(a);
            let (cb, gb) = score(b);
            ((ga < 0.05), ca).cmp(&((gb < 0.05), cb))
        });
    match best {
        Some((pages, extractor)) if score(&pages).0 >= 10 => Ok((clean_pages(pages), extractor)),
        Some((pages, _)) => Err(ParseError::NeedsOcr { pages: pages.len() }),
        None => Err(ParseError::Malformed {
            format: "PDF",
            reason: "no extractor could read it".into(),
        }),
    }
}

/// Drops the trailing empty page pdftotext emits after the last form feed.
fn clean_pages(mut pages: Vec<String>) -> Vec<String> {
    while pages.len() > 1 && pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    pages
}

/// Runs one extractor alone (for measurements and diagnostics).
pub fn extract_with(
    bytes: &[u8],
    which: PdfExtractor,
    timeout: Duration,
) -> Result<Vec<String>, String> {
    match which {
        PdfExtractor::PdfExtract => run_pdf_extract(bytes, timeout),
        PdfExtractor::Pdftotext => run_pdftotext(bytes, timeout),
    }
    .map_err(|e| e.to_string())
}

/// pdf-extract reports unsupported input by panicking. Those panics are
/// expected and handled (the fallback extractor runs), so the default hook's
/// message and backtrace are replaced by one log line for this thread.
fn quiet_pdf_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().name() == Some(PDF_THREAD) {
                tracing::debug!(panic = %info, "pdf-extract panicked");
            } else {
                previous(info);
            }
        }));
    });
}

const PDF_THREAD: &str = "pdf-extract";

fn run_pdf_extract(bytes: &[u8], timeout: Duration) -> Result<Vec<String>, RunError> {
    quiet_pdf_panics();
    let data: Arc<[u8]> = Arc::from(bytes);
    let (tx, rx) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name(PDF_THREAD.into())
        .spawn(move || {
            let result =
                std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem_by_pages(&data));
            let _ = tx.send(result);
        });
    if let Err(e) = spawned {
        return Err(RunError::Failed(format!("cannot start a thread: {e}")));
    }
    match rx.recv_timeout(timeout) {
        Ok(Ok(Ok(pages))) => Ok(pages),
        Ok(Ok(Err(e))) => Err(RunError::Failed(e.to_string())),
        Ok(Err(panic)) => {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "panic".into());
            Err(RunError::Panicked(msg))
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            ABANDONED_PDF_THREADS.fetch_add(1, Ordering::Relaxed);
            Err(RunError::TimedOut)
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            Err(RunError::Failed("thread ended without a result".into()))
        }
    }
}

/// Whether poppler's pdftotext can be run.
pub fn pdftotext_available() -> bool {
    Command::new("pdftotext")
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn run_pdftotext(bytes: &[u8], timeout: Duration) -> Result<Vec<String>, RunError> {
    let file = tempfile::NamedTempFile::new().map_err(|e| RunError::Failed(e.to_string()))?;
    std::fs::write(file.path(), bytes).map_err(|e| RunError::Failed(e.to_string()))?;
    let mut child = match Command::new("pdftotext")
        .args(["-enc", "UTF-8", "-q"])
        .arg(file.path())
        .arg("-")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(RunError::Unavailable),
        Err(e) => return Err(RunError::Failed(e.to_string())),
    };
    // Read stdout on a thread so a large output cannot block the child.
    let mut stdout = child
        .stdout
        .take()
        .ok_or_else(|| RunError::Failed("no stdout".into()))?;
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(RunError::TimedOut);
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(RunError::Failed(e.to_string())),
        }
    };
    let out = reader
        .join()
        .map_err(|_| RunError::Failed("reader thread failed".into()))?;
    if !status.success() {
        return Err(RunError::Failed(format!("exit status {status}")));
    }
    let text = String::from_utf8_lossy(&out);
    Ok(text.split('\u{c}').map(str::to_owned).collect())
}
