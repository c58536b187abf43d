//! The audit log: one JSON object per line for every upload, delete,
//! extraction and chat answer, naming who (key id, tenant), what (document
//! ids and hashes, subject, values returned) and the provenance. The file
//! only grows; past its size limit it is renamed `audit-<unix ms>.jsonl` and
//! a new one starts. Keys themselves are never written, only their ids.
//! `attest audit tail` reads it.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

use crate::auth::Caller;

pub const FILE_NAME: &str = "audit.jsonl";

pub struct AuditLog {
    dir: PathBuf,
    max_bytes: u64,
    out: Mutex<Option<(File, u64)>>,
}

/// RFC 3339 UTC with milliseconds, from Unix time.
pub fn rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_millis()
    )
}

impl AuditLog {
    pub fn open(dir: &Path, max_bytes: u64) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        Ok(Self {
            dir: dir.to_path_buf(),
            max_bytes: max_bytes.max(4096),
            out: Mutex::new(None),
        })
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(FILE_NAME)
    }

    /// Appends one event. A failure to write is logged, never hidden.
    pub fn record(&self, caller: &Caller, action: &str, request_id: &str, details: Value) {
        let mut event = Map::new();
        event.insert("at".into(), json!(rfc3339(SystemTime::now())));
        event.insert("action".into(), json!(action));
        event.insert("key_id".into(), json!(caller.key_label()));
        event.insert("tenant".into(), json!(caller.tenant));
        event.insert("request_id".into(), json!(request_id));
        if let Value::Object(d) = details {
            event.extend(d);
        }
        let mut line = Value::Object(event).to_string();
        line.push('\n');
        if let Err(e) = self.append(line.as_bytes()) {
            tracing::error!(error = %e, action, request_id, "cannot write the audit log");
        }
    }

    fn append(&self, line: &[u8]) -> std::io::Result<()> {
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        let len = line.len() as u64;
        if let Some((_, size)) = out.as_ref()
            && *size > 0
            && size + len > self.max_bytes
        {
            *out = None;
            let ms = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_millis();
            std::fs::rename(self.path(), self.dir.join(format!("audit-{ms}.jsonl")))?;
        }
        if out.is_none() {
            let f = OpenOptions::new()
                .create(true)
                .append(true)
                .open(self.path())?;
            let size = f.metadata()?.len();
            *out = Some((f, size));
        }
        if let Some((f, size)) = out.as_mut() {
            f.write_all(line)?;
            *size += len;
        }
        Ok(())
    }
}

/// The last `n` lines of the current audit file, then (with `follow`) every
/// new line as it is written, across rotations.
pub fn tail(dir: &Path, n: usize, follow: bool, out: &mut impl Write) -> std::io::Result<()> {
    let path = dir.join(FILE_NAME);
    let mut pos = 0u64;
    if let Ok(f) = File::open(&path) {
        let mut last: std::collections::VecDeque<String> = std::collections::VecDeque::new();
        let mut reader = BufReader::new(f);
        let mut line = String::new();
        while reader.read_line(&mut line)? > 0 {
            if line.ends_with('\n') {
                pos += line.len() as u64;
                if n > 0 {
                    if last.len() == n {
                        last.pop_front();
                    }
                    last.push_back(std::mem::take(&mut line));
                }
            }
            line.clear();
        }
        for l in last {
            out.write_all(l.as_bytes())?;
        }
        out.flush()?;
    }
    if !follow {
        return Ok(());
    }
    loop {
        std::thread::sleep(Duration::from_millis(300));
        let Ok(mut f) = File::open(&path) else {
            continue;
        };
        let len = f.metadata()?.len();
        if len < pos {
            // Rotated: the new file is read from its start.
            pos = 0;
        }
        if len == pos {
            continue;
        }
        f.seek(SeekFrom::Start(pos))?;
        let mut reader = BufReader::new(f);
        let mut line = String::new();
        while reader.read_line(&mut line)? > 0 {
            if !line.ends_with('\n') {
                break;
            }
            pos += line.len() as u64;
            out.write_all(line.as_bytes())?;
            line.clear();
        }
        out.flush()?;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn caller() -> Caller {
        Caller::for_tests("k1", "acme")
    }

    #[test]
    fn dates_are_rfc3339() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let t = UNIX_EPOCH + Duration::from_millis(1_709_164_800_123); // 2024-02-29
        assert_eq!(rfc3339(t), "2024-02-29T00:00:00.123Z");
        let t = UNIX_EPOCH + Duration::from_secs(4_102_444_799); // 2099-12-31 23:59:59
        assert_eq!(rfc3339(t), "2099-12-31T23:59:59.000Z");
    }

    #[test]
    fn events_are_appended_rotated_and_tailed() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::open(dir.path(), 4096).unwrap();
        for i in 0..40 {
            log.record(
                &caller(),
                "extract",
                &format!("r{i}"),
                json!({"subject": "X", "i": i}),
            );
        }
        let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert!(files.len() > 1, "rotated past 4 KiB");
        for f in &files {
            assert!(f.metadata().unwrap().len() <= 4096);
        }
        let mut out = Vec::new();
        tail(dir.path(), 2, false, &mut out).unwrap();
        let lines: Vec<Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1]["request_id"], "r39");
        assert_eq!(lines[1]["key_id"], "k1");
        assert_eq!(lines[1]["tenant"], "acme");
        assert_eq!(lines[1]["action"], "extract");
        assert_eq!(lines[1]["i"], 39);
        // Every event is somewhere, once.
        let mut total = 0;
        for f in files {
            total += std::fs::read_to_string(f.path()).unwrap().lines().count();
        }
        assert_eq!(total, 40);
    }
}
