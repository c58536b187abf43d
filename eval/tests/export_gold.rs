//! `attest-eval export-gold`: a reviewer's decision in a running service's
//! data directory comes out as a gold case that passes the gold validator
//! against the copied documents.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use attest_service::Settings;
use attest_service::startup::Application;
use serde_json::{Value, json};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

struct App {
    base: String,
    client: reqwest::Client,
}

impl App {
    async fn get(&self, path: &str) -> Value {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "GET {path}: {}", r.status());
        r.json().await.unwrap()
    }

    async fn post(&self, path: &str, body: &Value) -> Value {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .json(body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "POST {path}: {}", r.status());
        r.json().await.unwrap()
    }

    async fn ingest(&self, rel: &str) -> String {
        let path = repo_root().join("../shared/corpus").join(rel);
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let part = reqwest::multipart::Part::bytes(std::fs::read(&path).unwrap()).file_name(name);
        let r = self
            .client
            .post(format!("{}/v1/documents", self.base))
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
            .unwrap();
        let id = r.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let deadline = Instant::now() + Duration::from_secs(600);
        while self.get(&format!("/v1/documents/{id}")).await["status"] == "queued" {
            assert!(Instant::now() < deadline, "{rel} still queued");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        id
    }
}

#[tokio::test]
async fn reviewed_values_export_as_gold_cases_the_validator_accepts() {
    let data = tempfile::tempdir().unwrap();
    let settings = Settings {
        addr: "127.0.0.1:0".into(),
        data_dir: data.path().to_path_buf(),
        models_dir: Some(repo_root().join("models")),
        embed_threads: 1,
        auth: attest_engine::config::AuthMode::Open,
        ..Settings::default()
    };
    let app = Application::build(settings).await.expect("service starts");
    let app_ = App {
        base: format!("http://127.0.0.1:{}", app.port()),
        client: reqwest::Client::new(),
    };
    tokio::spawn(app.run_until_stopped());
    let app = app_;
    app.ingest("datasheets/CR2032_coin_cell.pdf").await;
    // The coin cell's two stated masses put its mass in the queue.
    app.post(
        "/v1/extract",
        &json!({"subject": "CR2032", "mode": "rules"}),
    )
    .await;
    let queue = app.get("/v1/review?field=mass&subject=CR2032").await;
    let item = &queue["items"][0];
    let id = item["id"].as_str().expect("a queued mass");
    let decided = app
        .post(&format!("/v1/review/{id}"), &json!({"decision": "accept"}))
        .await;
    assert_eq!(decided["status"], "accepted", "{decided}");
    let grams: f64 = item["value"]
        .as_str()
        .unwrap()
        .trim_end_matches(" g")
        .parse()
        .unwrap();

    let work = tempfile::tempdir().unwrap();
    let (out, docs) = (work.path().join("reviewed.jsonl"), work.path().join("docs"));
    let run = Command::new(env!("CARGO_BIN_EXE_attest-eval"))
        .args(["export-gold", "--data-dir"])
        .arg(data.path())
        .arg("--out")
        .arg(&out)
        .arg("--docs")
        .arg(&docs)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let text = std::fs::read_to_string(&out).unwrap();
    let cases: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(cases.len(), 1, "{text}");
    let case = &cases[0];
    assert_eq!(case["doc"], "CR2032_coin_cell.pdf");
    assert_eq!(case["subject"], "CR2032");
    assert_eq!(case["mass_g"].as_f64().unwrap(), grams);
    assert!(case["evidence"]["mass_g"].is_string(), "{case}");
    assert!(docs.join("CR2032_coin_cell.pdf").is_file());
    let notes = std::fs::read_to_string(out.with_extension("notes.md")).unwrap();
    assert!(notes.contains("mass_g"), "{notes}");

    let check = Command::new("python3")
        .arg(repo_root().join("eval/gold/check_gold.py"))
        .arg(&out)
        .arg("--corpus")
        .arg(&docs)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );

    // A directory with no catalog is an error, not an empty export.
    let empty = tempfile::tempdir().unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_attest-eval"))
        .args(["export-gold", "--data-dir"])
        .arg(empty.path())
        .arg("--out")
        .arg(work.path().join("none.jsonl"))
        .output()
        .unwrap();
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("no attest catalog"));
}
