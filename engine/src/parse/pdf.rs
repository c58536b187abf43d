//! PDF text as positioned words, page by page, from two text layers and OCR.
//!
//! poppler's `pdftotext -bbox` is the primary source: it runs as a child
//! process (killed at the deadline), so a hostile PDF cannot crash or hang
//! the worker, and it reads the CMaps and encrypted files that pdf-extract
//! cannot. When it fails or reads almost nothing, pdf-extract's glyph
//! stream runs on its own thread under `catch_unwind` with a deadline, and
//! the cleaner and fuller of the two is kept. Pages left without usable
//! text (scans) are read by OCR ([`super::ocr`]) when Tesseract is
//! installed. The document records which source read each page. The words
//! then go through [`crate::layout`] (lines, columns, tables, boxes).
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
use crate::layout::PageWords;
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

/// Why an external tool or a contained extractor gave no result.
#[derive(Debug)]
pub enum RunError {
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

/// One page of a PDF read into positioned words, and which source read it
/// (`pdftotext`, `pdf-extract` or `ocr`).
#[derive(Debug, Clone)]
pub(crate) struct SourcedPage {
    pub words: PageWords,
    pub source: &'static str,
}

fn page_text(p: &PageWords) -> String {
    p.words
        .iter()
        .map(|w| w.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Reads the positioned words of every page: poppler's word boxes, or
/// pdf-extract's glyphs when poppler fails or reads almost nothing (the
/// cleaner and fuller of the two is kept), then OCR for the pages that have
/// no usable text layer when Tesseract is installed.
pub(super) fn extract_words(
    bytes: &[u8],
    limits: &ParseLimits,
) -> Result<(Vec<SourcedPage>, String), ParseError> {
    let started = Instant::now();
    let texts = |pages: &[PageWords]| pages.iter().map(page_text).collect::<Vec<_>>();
    let primary = run_pdftotext_words(bytes, limits.pdf_timeout);
    let best: Option<(Vec<PageWords>, PdfExtractor)> = if let Ok(pages) = &primary
        && adequate(&texts(pages), limits)
    {
        primary.ok().map(|p| (p, PdfExtractor::Pdftotext))
    } else {
        let remaining = limits
            .pdf_timeout
            .saturating_sub(started.elapsed())
            .max(Duration::from_secs(5));
        let secondary = run_pdf_extract_words(bytes, remaining);
        tracing::info!(
            primary = %primary.as_ref().map(|p| format!("{} chars", score(&texts(p)).0)).unwrap_or_else(|e| e.to_string()),
            secondary = %secondary.as_ref().map(|p| format!("{} chars", score(&texts(p)).0)).unwrap_or_else(|e| e.to_string()),
            "pdf fallback text layer ran"
        );
        if let Err(RunError::Unavailable) = &primary {
            tracing::warn!("pdftotext is not installed; reading PDFs with pdf-extract alone");
        }
        // Prefer clean text, then more of it.
        // On a tie the last one wins: poppler, which knows page rotation.
        [
            secondary.ok().map(|p| (p, PdfExtractor::PdfExtract)),
            primary.ok().map(|p| (p, PdfExtractor::Pdftotext)),
        ]
        .into_iter()
        .flatten()
        .filter(|(p, _)| !p.is_empty())
        .max_by(|(a, _), (b, _)| {
            let (ca, ga) = score(&texts(a));
            let (cb, gb) = score(&texts(b));
            ((ga < 0.05), ca).cmp(&((gb < 0.05), cb))
        })
    };
    let Some((pages, extractor)) = best else {
        // Encrypted with an owner password only, a PDF reads; with a user
        // password, nothing does.
        if bytes.windows(8).any(|w| w == b"/Encrypt") {
            return Err(ParseError::Encrypted);
        }
        return Err(ParseError::Malformed {
            format: "PDF",
            reason: "no extractor could read it".into(),
        });
    };
    let mut pages: Vec<SourcedPage> = pages
        .into_iter()
        .map(|words| SourcedPage {
            words,
            source: extractor.name(),
        })
        .collect();
    let mut name = extractor.name().to_owned();
    let blank: Vec<usize> = pages
        .iter()
        .enumerate()
        .filter(|(_, p)| {
            let t = page_text(&p.words);
            content_chars(&t) < limits.min_chars_per_page.min(10) || garbage_ratio(&t) > 0.3
        })
        .map(|(i, _)| i)
        .collect();
    if !blank.is_empty() {
        match super::ocr::languages() {
            Some(langs) => {
                let read = ocr_pages(bytes, &mut pages, &blank, &langs, limits);
                if read > 0 {
                    name.push_str("+ocr");
                }
            }
            None => tracing::debug!(
                pages = blank.len(),
                "pages without text and no OCR installed"
            ),
        }
    }
    let chars: usize = pages
        .iter()
        .map(|p| content_chars(&page_text(&p.words)))
        .sum();
    let ocr = super::ocr::languages().is_some();
    if chars == 0 || (chars < 10 && !ocr) {
        return Err(if ocr {
            ParseError::NoText
        } else {
            ParseError::NeedsOcr { pages: pages.len() }
        });
    }
    Ok((pages, name))
}

/// OCRs the given pages in place, within the OCR page and time budgets;
/// returns how many pages OCR read text from.
fn ocr_pages(
    bytes: &[u8],
    pages: &mut [SourcedPage],
    which: &[usize],
    langs: &str,
    limits: &ParseLimits,
) -> usize {
    let Ok(file) = temp_pdf(bytes) else {
        return 0;
    };
    let started = Instant::now();
    let mut read = 0;
    for &i in which.iter().take(limits.max_ocr_pages) {
        let left = limits.ocr_budget.saturating_sub(started.elapsed());
        if left.is_zero() {
            tracing::warn!(
                page = i + 1,
                "ocr budget spent; remaining pages left without text"
            );
            break;
        }
        let had = content_chars(&page_text(&pages[i].words));
        match super::ocr::ocr_page(
            file.path(),
            i as u32 + 1,
            langs,
            left.min(limits.pdf_timeout),
        ) {
            // A page whose few words were real text keeps its text layer
            // unless OCR finds clearly more on it (a scan under a stamp).
            Ok(words) if content_chars(&page_text(&words)) >= (2 * had).max(had + 10) => {
                pages[i] = SourcedPage {
                    words,
                    source: "ocr",
                };
                read += 1;
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(page = i + 1, error = %e, "ocr failed"),
        }
    }
    read
}

/// A source of positioned words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextLayer {
    /// poppler's `pdftotext -bbox`.
    Poppler,
    /// pdf-extract's glyph stream.
    PdfExtract,
}

/// The words of every page from one source alone (for measurements and
/// diagnostics).
pub fn layer_words(
    bytes: &[u8],
    which: TextLayer,
    timeout: Duration,
) -> Result<Vec<PageWords>, String> {
    match which {
        TextLayer::Poppler => run_pdftotext_words(bytes, timeout),
        TextLayer::PdfExtract => run_pdf_extract_words(bytes, timeout),
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

/// pdf-extract's glyphs grouped into words with boxes.
pub(crate) fn run_pdf_extract_words(
    bytes: &[u8],
    timeout: Duration,
) -> Result<Vec<PageWords>, RunError> {
    contained(bytes, timeout, super::pdf_words::glyph_words)
}

/// Runs pdf-extract on its own named thread under `catch_unwind`, waiting
/// at most `timeout` (an overrunning thread is abandoned and counted).
fn contained<T: Send + 'static>(
    bytes: &[u8],
    timeout: Duration,
    f: fn(&[u8]) -> Result<T, String>,
) -> Result<T, RunError> {
    quiet_pdf_panics();
    let data: Arc<[u8]> = Arc::from(bytes);
    let (tx, rx) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name(PDF_THREAD.into())
        .spawn(move || {
            let result = std::panic::catch_unwind(|| f(&data));
            let _ = tx.send(result);
        });
    if let Err(e) = spawned {
        return Err(RunError::Failed(format!("cannot start a thread: {e}")));
    }
    match rx.recv_timeout(timeout) {
        Ok(Ok(Ok(v))) => Ok(v),
        Ok(Ok(Err(e))) => Err(RunError::Failed(e)),
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

/// poppler's word boxes (`pdftotext -bbox`), in the displayed orientation
/// of each page; page sizes from `pdfinfo`, turned with the page's
/// `/Rotate` (pdftotext reports them unturned).
pub(crate) fn run_pdftotext_words(
    bytes: &[u8],
    timeout: Duration,
) -> Result<Vec<PageWords>, RunError> {
    let file = temp_pdf(bytes)?;
    let started = Instant::now();
    let mut cmd = Command::new("pdftotext");
    cmd.args(["-bbox", "-enc", "UTF-8", "-q"])
        .arg(file.path())
        .arg("-");
    let out = run_child(cmd, timeout)?;
    let mut pages = super::pdf_words::parse_bbox_xhtml(&String::from_utf8_lossy(&out));
    if pages.is_empty() {
        return Ok(pages);
    }
    let mut info = Command::new("pdfinfo");
    info.args(["-f", "1", "-l", &pages.len().to_string()])
        .arg(file.path());
    let left = timeout
        .saturating_sub(started.elapsed())
        .max(Duration::from_secs(2));
    if let Ok(out) = run_child(info, left) {
        for (page, rot) in super::pdf_words::rotations(&String::from_utf8_lossy(&out)) {
            if let Some(p) = pages.get_mut(page.saturating_sub(1) as usize)
                && rot % 180 == 90
            {
                std::mem::swap(&mut p.width, &mut p.height);
            }
        }
    }
    Ok(pages)
}

fn temp_pdf(bytes: &[u8]) -> Result<tempfile::NamedTempFile, RunError> {
    let file = tempfile::NamedTempFile::new().map_err(|e| RunError::Failed(e.to_string()))?;
    std::fs::write(file.path(), bytes).map_err(|e| RunError::Failed(e.to_string()))?;
    Ok(file)
}

/// Runs a command with its standard output collected (on a thread, so a
/// large output cannot block the child), killed at the deadline.
pub fn run_child(mut cmd: Command, timeout: Duration) -> Result<Vec<u8>, RunError> {
    let mut child = match cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(RunError::Unavailable),
        Err(e) => return Err(RunError::Failed(e.to_string())),
    };
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
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(RunError::Failed(e.to_string())),
        }
    };
    let out = reader
        .join()
        .map_err(|_| RunError::Failed("reader thread failed".into()))?;
    if !status.success() {
        return Err(RunError::Failed(format!("exit status {status}")));
    }
    Ok(out)
}
