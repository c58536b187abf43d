#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use attest_engine::catalog::testdb::TestPlace;
use attest_service::Settings;
use attest_service::startup::Application;
use serde_json::{Value, json};

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    /// The data directory, and the catalog's database on PostgreSQL
    /// (`ATTEST_TEST_CATALOG=postgres`).
    pub data_dir: std::sync::Arc<TestPlace>,
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

pub fn corpus(rel: &str) -> PathBuf {
    repo_root().join("../shared/corpus").join(rel)
}

pub fn test_settings(place: &TestPlace) -> Settings {
    Settings {
        addr: "127.0.0.1:0".into(),
        data_dir: place.path().to_path_buf(),
        database_url: place.database_url().map(str::to_owned),
        models_dir: Some(repo_root().join("models")),
        embed_threads: 1,
        // Tests that are not about keys call as the one open tenant.
        auth: attest_engine::config::AuthMode::Open,
        ..Settings::default()
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_with(|_| {}).await
}

pub async fn spawn_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let data_dir = TestPlace::new();
    let mut settings = test_settings(&data_dir);
    tweak(&mut settings);
    // The client waits past the service's own deadline, so a slow answer is
    // the service's timeout (a 504 the test can see), not the client's.
    let client_timeout = Duration::from_secs(settings.request_timeout_secs.max(90) + 30);
    let app = Application::build(settings).await.expect("service starts");
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    TestApp {
        base,
        client: reqwest::Client::builder()
            .timeout(client_timeout)
            .build()
            .unwrap(),
        data_dir: std::sync::Arc::new(data_dir),
    }
}

impl TestApp {
    /// The same service, called with an API key.
    pub fn keyed(&self, key: &str) -> TestApp {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::AUTHORIZATION,
            format!("Bearer {key}").parse().unwrap(),
        );
        TestApp {
            base: self.base.clone(),
            client: reqwest::Client::builder()
                .default_headers(headers)
                .timeout(Duration::from_secs(180))
                .build()
                .unwrap(),
            data_dir: self.data_dir.clone(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Uploads bytes under a file name; returns (status, body).
    pub async fn upload_bytes(&self, name: &str, bytes: Vec<u8>) -> (u16, Value) {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned());
        let form = reqwest::multipart::Form::new().part("file", part);
        let r = self
            .client
            .post(self.url("/v1/documents"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Uploads a corpus file and waits until its ingest ends.
    pub async fn ingest(&self, rel: &str) -> Value {
        let path = corpus(rel);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let (status, body) = self.upload_bytes(&name, bytes).await;
        assert!(
            status == 202 || status == 200,
            "upload {rel}: {status} {body}"
        );
        self.wait(body["id"].as_str().unwrap()).await
    }

    /// Waits for a document to leave the queue; returns its metadata.
    pub async fn wait(&self, id: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(600);
        loop {
            let meta: Value = self.get(&format!("/v1/documents/{id}")).await.1;
            if meta["status"] != "queued" {
                return meta;
            }
            assert!(Instant::now() < deadline, "document {id} still queued");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Deletes a document; returns the status.
    pub async fn delete_document(&self, id: &str) -> u16 {
        self.client
            .delete(self.url(&format!("/v1/documents/{id}")))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    /// A GET's body as text (metrics, exports).
    pub async fn get_text(&self, path: &str) -> String {
        let r = self.client.get(self.url(path)).send().await.unwrap();
        r.text().await.unwrap()
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let r = self.client.get(self.url(path)).send().await.unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let r = self
            .client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    pub async fn extract(&self, subject: Option<&str>, ids: &[&str]) -> Value {
        let mut body = json!({});
        if let Some(s) = subject {
            body["subject"] = json!(s);
        }
        if !ids.is_empty() {
            body["document_ids"] = json!(ids);
        }
        let (status, v) = self.post("/v1/extract", &body).await;
        assert_eq!(status, 200, "{v}");
        v
    }

    pub async fn text(&self, id: &str) -> String {
        let (status, v) = self.get(&format!("/v1/documents/{id}/text")).await;
        assert_eq!(status, 200, "{v}");
        v["text"].as_str().unwrap().to_owned()
    }
}

/// Every citation in an extraction answer quotes the document text at its
/// span (code points).
pub async fn assert_citations_verified(app: &TestApp, answer: &Value) {
    let mut cites: Vec<Value> = Vec::new();
    if let Some(m) = answer["fields"]["mass"].as_object() {
        cites.extend(m["citations"].as_array().unwrap().iter().cloned());
    }
    for f in ["origin", "materials", "recycled_content"] {
        for v in answer["fields"][f].as_array().unwrap() {
            cites.extend(v["citations"].as_array().unwrap().iter().cloned());
        }
    }
    for c in cites {
        assert_quote_at_span(app, &c).await;
    }
}

/// A citation's quote is the document text at its code point span, on a
/// page that exists.
pub async fn assert_quote_at_span(app: &TestApp, c: &Value) {
    let text = app.text(c["document_id"].as_str().unwrap()).await;
    let (s, e) = (
        c["start"].as_u64().unwrap() as usize,
        c["end"].as_u64().unwrap() as usize,
    );
    let quoted: String = text.chars().skip(s).take(e - s).collect();
    assert_eq!(quoted, c["quote"].as_str().unwrap(), "citation {c}");
    assert!(c["page"].as_u64().unwrap() >= 1);
}

pub fn mass_grams(answer: &Value) -> Option<f64> {
    answer["fields"]["mass"]["grams"].as_f64()
}

pub fn countries(answer: &Value) -> Vec<String> {
    answer["fields"]["origin"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["country"].as_str().unwrap().to_owned())
        .collect()
}

pub fn materials(answer: &Value) -> Vec<String> {
    answer["fields"]["materials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap().to_owned())
        .collect()
}

pub fn assert_close(actual: Option<f64>, expected: f64, what: &str) {
    let a = actual.unwrap_or_else(|| panic!("{what}: no mass, expected {expected} g"));
    assert!(
        (a - expected).abs() <= (expected * 0.02).max(0.001),
        "{what}: {a} g, expected {expected} g"
    );
}

/// An IPC-1752A declaration with a total and two homogeneous materials
/// (1.98 mg = 1.5 mg alumina + 0.48 mg tin).
pub const EPC0603_DECLARATION: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<MainDeclaration xmlns="http://webstds.ipc.org/175x/2.0" version="2.0">
  <BusinessInfo><Supplier company="Example Passive Components"/></BusinessInfo>
  <Product>
    <ProductID itemNumber="EPC-0603-10K" itemName="Thick film chip resistor" countryOfOrigin="Taiwan"/>
    <Amount value="1.98" UOM="mg"/>
    <HomogeneousMaterialList>
      <HomogeneousMaterial name="Alumina substrate"><Amount value="1.5" UOM="mg"/>
        <Substance name="Aluminium oxide"><SubstanceID identity="1344-28-1" authority="CAS"/><Amount value="1.44" UOM="mg"/></Substance>
      </HomogeneousMaterial>
      <HomogeneousMaterial name="Tin plating"><Amount value="0.48" UOM="mg"/>
        <Substance name="Tin"><SubstanceID identity="7440-31-5" authority="CAS"/><Amount value="0.48" UOM="mg"/></Substance>
      </HomogeneousMaterial>
    </HomogeneousMaterialList>
  </Product>
</MainDeclaration>"#;
