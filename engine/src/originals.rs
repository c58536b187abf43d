//! Original files, kept in an object store through `object_store`: a
//! directory under the data directory by default (`<data_dir>/originals`,
//! one file per document id, written durably), or S3 and S3-compatible
//! stores when `ATTEST_OBJECT_STORE_URL=s3://bucket/prefix` is set, with
//! the credentials, region and endpoint read from the usual `AWS_*`
//! variables. Processes on several machines share originals through the
//! latter: a replica acknowledges an upload once its original is stored,
//! and any worker reads it from there.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

#[derive(Debug, thiserror::Error)]
pub enum OriginalsError {
    #[error("object store {url}: {reason}")]
    Config { url: String, reason: String },
    #[error("the original of document {0} is missing")]
    Missing(String),
    #[error("object store ({store}): {reason}")]
    Backend { store: String, reason: String },
}

pub struct Originals {
    store: Arc<dyn ObjectStore>,
    /// Key prefix inside the store (the path of an `s3://bucket/path` URL).
    prefix: String,
    /// The directory, when the store is local: writes are synced to disk.
    dir: Option<PathBuf>,
    /// Local copies of remote originals, for the tools that read files
    /// (page rendering).
    copies: PathBuf,
    /// Where originals are, for logs (no credentials).
    pub describe: String,
}

impl Originals {
    /// `url` unset: the directory `<data_dir>/originals`.
    pub fn open(data_dir: &Path, url: Option<&str>) -> Result<Self, OriginalsError> {
        match url.map(str::trim).filter(|u| !u.is_empty()) {
            None => Self::directory(&data_dir.join("originals")),
            Some(u) if u.starts_with("file://") => {
                Self::directory(Path::new(&u["file://".len()..]))
            }
            Some(u) if u.starts_with("s3://") || u.starts_with("s3a://") => {
                Self::s3(u, data_dir.join("originals-cache"))
            }
            Some(u) => Err(OriginalsError::Config {
                url: u.to_owned(),
                reason: "expected s3://bucket[/prefix] or file:///absolute/path".into(),
            }),
        }
    }

    fn directory(dir: &Path) -> Result<Self, OriginalsError> {
        let config = |reason: String| OriginalsError::Config {
            url: dir.display().to_string(),
            reason,
        };
        std::fs::create_dir_all(dir).map_err(|e| config(e.to_string()))?;
        let store = LocalFileSystem::new_with_prefix(dir).map_err(|e| config(e.to_string()))?;
        Ok(Self {
            store: Arc::new(store),
            prefix: String::new(),
            dir: Some(dir.to_owned()),
            copies: dir.to_owned(),
            describe: format!("directory {}", dir.display()),
        })
    }

    fn s3(url: &str, copies: PathBuf) -> Result<Self, OriginalsError> {
        // TLS to the store goes through rustls with ring, as the language
        // model client's does.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let store = object_store::aws::AmazonS3Builder::from_env()
            .with_url(url)
            .build()
            .map_err(|e| OriginalsError::Config {
                url: url.to_owned(),
                reason: e.to_string(),
            })?;
        let rest = url.split_once("://").map_or("", |(_, r)| r);
        let prefix = rest
            .split_once('/')
            .map_or("", |(_, p)| p)
            .trim_matches('/')
            .to_owned();
        Ok(Self {
            store: Arc::new(store),
            prefix,
            dir: None,
            copies,
            describe: url.to_owned(),
        })
    }

    fn key(&self, id: &str) -> ObjectPath {
        if self.prefix.is_empty() {
            ObjectPath::from(id)
        } else {
            ObjectPath::from(format!("{}/{id}", self.prefix))
        }
    }

    fn backend(&self, e: impl std::fmt::Display) -> OriginalsError {
        OriginalsError::Backend {
            store: self.describe.clone(),
            reason: e.to_string(),
        }
    }

    /// Stores an original; once this returns it survives a crash.
    pub async fn put(&self, id: &str, bytes: &[u8]) -> Result<(), OriginalsError> {
        let payload = PutPayload::from(bytes.to_vec());
        self.store
            .put(&self.key(id), payload)
            .await
            .map_err(|e| self.backend(e))?;
        if let Some(dir) = &self.dir {
            // The store writes a temporary file and renames it; the file
            // and the directory entry are synced before acknowledging.
            let (file, dir) = (dir.join(id), dir.clone());
            tokio::task::spawn_blocking(move || -> std::io::Result<()> {
                std::fs::File::open(&file)?.sync_all()?;
                std::fs::File::open(&dir)?.sync_all()
            })
            .await
            .map_err(|e| self.backend(e))?
            .map_err(|e| self.backend(e))?;
        }
        Ok(())
    }

    pub async fn get(&self, id: &str) -> Result<Vec<u8>, OriginalsError> {
        let got = match self.store.get(&self.key(id)).await {
            Ok(g) => g,
            Err(object_store::Error::NotFound { .. }) => {
                return Err(OriginalsError::Missing(id.to_owned()));
            }
            Err(e) => return Err(self.backend(e)),
        };
        Ok(got.bytes().await.map_err(|e| self.backend(e))?.to_vec())
    }

    /// A path to the original on this machine: the file itself in a local
    /// store, else a copy fetched once into `<data_dir>/originals-cache`.
    pub async fn local_copy(&self, id: &str) -> Result<PathBuf, OriginalsError> {
        let path = self.copies.join(id);
        if self.dir.is_some() || tokio::fs::try_exists(&path).await.unwrap_or(false) {
            return Ok(path);
        }
        let bytes = self.get(id).await?;
        let partial = self.copies.join(format!("{id}.partial"));
        let write = async {
            tokio::fs::create_dir_all(&self.copies).await?;
            tokio::fs::write(&partial, &bytes).await?;
            tokio::fs::rename(&partial, &path).await
        };
        write.await.map_err(|e| self.backend(e))?;
        Ok(path)
    }

    /// Removes an original; one already gone is not an error.
    pub async fn delete(&self, id: &str) -> Result<(), OriginalsError> {
        if self.dir.is_none() {
            let _ = tokio::fs::remove_file(self.copies.join(id)).await;
        }
        match self.store.delete(&self.key(id)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.backend(e)),
        }
    }

    /// Whether the store answers (a read of a key that does not exist).
    pub async fn check(&self) -> Result<(), OriginalsError> {
        match self.store.head(&self.key(".attest-probe")).await {
            Ok(_) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.backend(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    async fn round_trip(o: &Originals) {
        let id = format!("doc{}", std::process::id());
        o.put(&id, b"%PDF-1.4 original").await.unwrap();
        assert_eq!(o.get(&id).await.unwrap(), b"%PDF-1.4 original");
        let local = o.local_copy(&id).await.unwrap();
        assert_eq!(std::fs::read(&local).unwrap(), b"%PDF-1.4 original");
        o.delete(&id).await.unwrap();
        assert!(matches!(o.get(&id).await, Err(OriginalsError::Missing(_))));
        // Deleting twice is not an error; the store answers.
        o.delete(&id).await.unwrap();
        o.check().await.unwrap();
    }

    #[tokio::test]
    async fn originals_live_in_the_data_directory_by_default() {
        let data = tempfile::tempdir().unwrap();
        let o = Originals::open(data.path(), None).unwrap();
        o.put("abc", b"bytes").await.unwrap();
        // The layout of earlier versions: one file per id.
        assert_eq!(
            std::fs::read(data.path().join("originals/abc")).unwrap(),
            b"bytes"
        );
        assert_eq!(
            o.local_copy("abc").await.unwrap(),
            data.path().join("originals/abc")
        );
        round_trip(&o).await;
        // A directory named by URL: shared by processes with other data
        // directories.
        let shared = tempfile::tempdir().unwrap();
        let url = format!("file://{}", shared.path().display());
        let a = Originals::open(data.path(), Some(&url)).unwrap();
        let b = Originals::open(&data.path().join("elsewhere"), Some(&url)).unwrap();
        a.put("x1", b"shared").await.unwrap();
        assert_eq!(b.get("x1").await.unwrap(), b"shared");
    }

    #[test]
    fn unknown_stores_are_refused_with_the_accepted_forms() {
        let data = tempfile::tempdir().unwrap();
        let Err(e) = Originals::open(data.path(), Some("ftp://host/dir")) else {
            panic!("accepted an ftp URL");
        };
        assert!(e.to_string().contains("s3://bucket"), "{e}");
    }

    /// Runs against an S3-compatible endpoint when `ATTEST_TEST_S3_URL`
    /// (`s3://bucket/prefix`) is set, with `AWS_ENDPOINT`,
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION` (and
    /// `AWS_ALLOW_HTTP=true` for a plain-HTTP endpoint).
    #[tokio::test]
    async fn originals_round_trip_through_s3_when_an_endpoint_is_given() {
        let Ok(url) = std::env::var("ATTEST_TEST_S3_URL") else {
            eprintln!("skipped: set ATTEST_TEST_S3_URL to run against S3");
            return;
        };
        let data = tempfile::tempdir().unwrap();
        let o = Originals::open(data.path(), Some(&url)).unwrap();
        round_trip(&o).await;
        // A copy for the file-reading tools lands in the data directory.
        o.put("copied", b"remote").await.unwrap();
        let local = o.local_copy("copied").await.unwrap();
        assert!(local.starts_with(data.path()));
        assert_eq!(std::fs::read(local).unwrap(), b"remote");
        o.delete("copied").await.unwrap();
    }
}
