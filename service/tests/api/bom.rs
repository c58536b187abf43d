//! A bill of materials rolled up from corpus parts: per-line values with
//! verified citations, line masses, statuses, totals that add up, a
//! declaration's materials splitting its part's mass, and the CSV export.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};

use crate::helpers::*;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

/// Uploads corpus files (and generated ones) at once and waits for all.
async fn ingest_all(app: &TestApp, files: &[(&str, Vec<u8>)]) {
    let mut ids = Vec::new();
    for (name, bytes) in files {
        let (status, up) = app.upload_bytes(name, bytes.clone()).await;
        assert_eq!(status, 202, "{name}: {up}");
        ids.push(up["id"].as_str().unwrap().to_owned());
    }
    for id in ids {
        let meta = app.wait(&id).await;
        assert_eq!(meta["status"], "ready", "{meta}");
    }
}

fn corpus_file(rel: &str) -> (&str, Vec<u8>) {
    let name = rel.rsplit('/').next().unwrap();
    (name, std::fs::read(corpus(rel)).unwrap())
}

/// Cell `c` of an XLSX export row as text, as the CSV writes it.
fn xlsx_text(d: &calamine::Data) -> String {
    match d {
        calamine::Data::Empty => String::new(),
        calamine::Data::Float(f) => f.to_string(),
        calamine::Data::Int(i) => i.to_string(),
        other => other.to_string(),
    }
}

#[tokio::test]
async fn a_bom_rolls_up_cited_part_values_into_totals() {
    let app = spawn_app().await;
    // Datasheets, a product report, a dataset, a material declaration, and
    // a notice that gives the relay another mass than its datasheet.
    let mut files: Vec<(&str, Vec<u8>)> = [
        "datasheets/Vishay_1N4148.pdf",
        "datasheets/Omron_G5V-1_relay.pdf",
        "datasheets/6A10_rectifier.pdf",
        "datasheets/CR2032_coin_cell.pdf",
        "datasheets/Vishay_SS1x_schottky.pdf",
        "datasheets/southwire_spec_85033_control_cable.txt",
        "declarations/dtsheet_1641090_Bourns_SDR0805_inductor_MDS.txt",
        "reports/google_chromecast-productenvironmentalreport.pdf",
        "datasets/CarbonCatalogue_PublicTables_v30Oct2021.xlsx",
    ]
    .iter()
    .map(|r| corpus_file(r))
    .collect();
    files.push(("epc0603.xml", EPC0603_DECLARATION.as_bytes().to_vec()));
    files.push((
        "g5v1-notice.txt",
        b"Relay G5V-1 replacement notice\nModel: G5V-1 miniature relay\nWeight: approx. 3.5 g\n"
            .to_vec(),
    ));
    ingest_all(&app, &files).await;

    let bom = json!({
        "name": "thermostat board",
        "mode": "rules",
        "lines": [
            {"line": "D1", "part": "1N4148", "quantity": 4},
            {"line": "K1", "part": "G5V-1", "quantity": 2},
            {"line": "D2", "part": "6A10", "quantity": 1},
            {"line": "BT1", "part": "CR2032", "quantity": 1},
            {"line": "D3", "part": "SS14", "quantity": 2},
            {"line": "R1", "part": "EPC-0603-10K", "quantity": 10},
            {"line": "L1", "part": "SDR0805", "quantity": 3},
            {"line": "W1", "part": "85033", "quantity": 1, "unit": "m"},
            {"line": "P1", "part": "Chromecast", "quantity": 1},
            {"line": "K2", "part": "Signal Relay Type G6Zk-1F", "quantity": 1},
            {"line": "X1", "part": "ZZ-NOPE-999", "quantity": 3},
            {"line": "D5", "part": "1n4148", "quantity": 2},
        ]
    });
    let (status, r) = app.post("/v1/bom", &bom).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["name"], "thermostat board");
    let lines = r["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 12);
    let line = |id: &str| lines.iter().find(|l| l["line"] == id).unwrap();

    // Every line: the extraction answer, citations verified; line mass =
    // quantity × unit mass.
    let mut sum = 0.0;
    let mut with_mass = 0;
    for l in lines {
        assert_citations_verified(&app, &l["extraction"]).await;
        let unit = l["extraction"]["fields"]["mass"]["grams"].as_f64();
        match (unit, l["line_mass_g"].as_f64()) {
            (Some(u), Some(m)) => {
                assert!(close(m, u * l["quantity"].as_f64().unwrap()), "{l}");
                sum += m;
                with_mass += 1;
            }
            (None, None) => {}
            other => panic!("{other:?}: {l}"),
        }
    }
    assert!(close(line("D1")["line_mass_g"].as_f64().unwrap(), 0.42));
    assert!(close(line("BT1")["line_mass_g"].as_f64().unwrap(), 2.9));
    assert!(close(line("R1")["line_mass_g"].as_f64().unwrap(), 0.0198));
    assert!(close(line("P1")["line_mass_g"].as_f64().unwrap(), 40.0));
    assert!(close(line("K2")["line_mass_g"].as_f64().unwrap(), 2.8));
    // A part named on two lines (in two spellings) has one answer.
    assert_eq!(
        line("D5")["extraction"]["fields"]["mass"],
        line("D1")["extraction"]["fields"]["mass"]
    );
    let unknown = line("X1");
    assert_eq!(unknown["status"], "not_found");
    assert!(
        unknown["reasons"][0]
            .as_str()
            .unwrap()
            .contains("ZZ-NOPE-999")
    );
    // Two documents disagree on the relay's mass.
    let relay = line("K1");
    assert_eq!(relay["status"], "ambiguous", "{relay}");
    assert!(
        relay["reasons"][0].as_str().unwrap().contains("3.5 g"),
        "{relay}"
    );
    for l in lines.iter().filter(|l| l["line"] != "X1") {
        assert!(
            ["found", "partial", "ambiguous"].contains(&l["status"].as_str().unwrap()),
            "{l}"
        );
        if l["status"] == "partial" {
            assert!(
                l["reasons"][0].as_str().unwrap().starts_with("not found:"),
                "{l}"
            );
        }
    }

    // Totals add up.
    let t = &r["totals"];
    assert!(close(t["mass_g"].as_f64().unwrap(), sum), "{t}");
    assert_eq!(t["lines_with_mass"], with_mass);
    assert_eq!(t["lines"], 12);
    let statuses: u64 = t["by_status"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(statuses, 12);
    let total = |key: &str| -> f64 {
        t[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["mass_g"].as_f64().unwrap())
            .sum()
    };
    assert!(close(total("mass_by_material"), sum), "{t}");
    assert!(close(total("origin_by_mass"), sum), "{t}");
    // The declaration splits its part's mass by its materials.
    let material = |name: &str| {
        t["mass_by_material"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["key"] == name)
            .and_then(|s| s["mass_g"].as_f64())
    };
    assert!(close(material("Alumina substrate").unwrap(), 0.015), "{t}");
    assert!(close(material("Tin plating").unwrap(), 0.0048), "{t}");
    assert!(material("unattributed").unwrap() > 0.0);
    // The report's recycled-content claim covers its line's mass.
    let covered = t["recycled"]["covered_mass_g"].as_f64().unwrap();
    assert!(covered >= 40.0 && covered <= sum, "{t}");
    let share = t["recycled"]["share_of_covered"].as_f64().unwrap();
    assert!(share > 0.0 && share <= 1.0, "{t}");
    // The weakest lines come first: the unknown part has no values.
    assert_eq!(t["weakest_lines"][0], "X1");

    // CSV: one row per line, the same values as the JSON.
    let csv = app
        .client
        .post(app.url("/v1/bom?format=csv"))
        .json(&bom)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status().as_u16(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = csv.text().await.unwrap();
    let rows: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(rows.len(), 13, "{text}");
    assert!(rows[0].starts_with("line,part,quantity,status,unit_mass_g,line_mass_g"));
    for l in lines {
        let row = rows
            .iter()
            .find(|r| r.starts_with(&format!("{},", l["line"].as_str().unwrap())))
            .unwrap();
        let cells: Vec<&str> = row.split(',').collect();
        assert_eq!(cells[3], l["status"].as_str().unwrap());
        match l["line_mass_g"].as_f64() {
            Some(m) => assert!(close(cells[5].parse().unwrap(), m), "{row}"),
            None => assert_eq!(cells[5], ""),
        }
    }
    assert!(
        text.contains(&format!("# total_mass_g,,{},", t["mass_g"])),
        "{text}"
    );

    // XLSX: a lines sheet equal to the JSON, and a totals sheet.
    let x = app
        .client
        .post(app.url("/v1/bom"))
        .header(
            "accept",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        .json(&bom)
        .send()
        .await
        .unwrap();
    assert_eq!(x.status().as_u16(), 200);
    let bytes = x.bytes().await.unwrap().to_vec();
    assert_xlsx_matches(&bytes, &r);

    // As a job: 202 at once, progress, then the same roll-up; its exports
    // and the review items of its lines.
    let accepted = app
        .client
        .post(app.url("/v1/bom?async=true"))
        .json(&bom)
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status().as_u16(), 202);
    let location = accepted.headers()["location"].to_str().unwrap().to_owned();
    let job: Value = accepted.json().await.unwrap();
    assert_eq!(location, format!("/v1/bom/{}", job["id"].as_str().unwrap()));
    assert_eq!(job["lines"], 12);
    let done = wait_job(&app, &location).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["done"], 12);
    assert_eq!(done["result"]["totals"], r["totals"]);
    let x = app
        .client
        .get(app.url(&format!("{location}?format=xlsx")))
        .send()
        .await
        .unwrap();
    assert_eq!(x.status().as_u16(), 200);
    assert_xlsx_matches(&x.bytes().await.unwrap(), &done["result"]);
    // The format by Accept, as for the synchronous answer.
    let by_accept = app
        .client
        .get(app.url(&location))
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(by_accept.status().as_u16(), 200);
    assert!(
        by_accept.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(by_accept.text().await.unwrap().contains("# total_mass_g"));
    let (status, queue) = app
        .get(&format!("/v1/review?bom={}", job["id"].as_str().unwrap()))
        .await;
    assert_eq!(status, 200);
    let items = queue["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .any(|i| i["subject"] == "G5V-1" && i["field"] == "mass"),
        "the ambiguous relay mass is in the BOM's review queue: {queue}"
    );
    let (status, v) = app.get("/v1/bom/bom_000000000000000000000000").await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (404, Some("not_found"))
    );

    // The same BOM as an uploaded CSV, its columns found by their headers.
    let file = "Ref Des,Description,MPN,Qty\nD1,Switching diode,1N4148,4\nK1,Relay,G5V-1,2\n\
                R1,Chip resistor,EPC-0603-10K,10\nW1,Cable,85033,1\nX1,Unknown,ZZ-NOPE-999,3\n";
    let part = reqwest::multipart::Part::bytes(file.as_bytes().to_vec()).file_name("bom.csv");
    let uploaded: Value = app
        .client
        .post(app.url("/v1/bom?mode=rules&name=relay%20board"))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(uploaded["lines"].as_array().unwrap().len(), 5, "{uploaded}");
    assert_eq!(uploaded["lines"][4]["status"], "not_found");
    assert_eq!(uploaded["lines"][1]["line"], "K1");
    assert_eq!(uploaded["lines"][0]["description"], "Switching diode");
    let part =
        reqwest::multipart::Part::bytes(b"Article,Menge\nG5V-1,2\n".to_vec()).file_name("b.csv");
    let r2 = app
        .client
        .post(app.url("/v1/bom"))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(r2.status().as_u16(), 400);

    // Bad BOMs get clear errors.
    for (body, code) in [
        (json!({"lines": []}), "bad_request"),
        (json!({"lines": [{"part": " "}]}), "bad_request"),
        (
            json!({"lines": [{"part": "X", "quantity": -1}]}),
            "bad_request",
        ),
        (json!({"lines": [{"part": "X", "qty": 1}]}), "invalid_json"),
    ] {
        let (status, v): (u16, Value) = app.post("/v1/bom", &body).await;
        assert_eq!(v["error"]["code"], code, "{body}: {status} {v}");
    }
}

/// Polls a job until it ends; progress never goes back.
async fn wait_job(app: &TestApp, location: &str) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(900);
    let mut last = 0;
    loop {
        let (status, job) = app.get(location).await;
        assert_eq!(status, 200, "{job}");
        let done = job["done"].as_u64().unwrap();
        assert!(
            done >= last && done <= job["lines"].as_u64().unwrap(),
            "{job}"
        );
        last = done;
        if job["status"] == "done" || job["status"] == "failed" {
            return job;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "job still running: {job}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// The XLSX export read back equals the JSON roll-up.
fn assert_xlsx_matches(bytes: &[u8], r: &Value) {
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!(wb.sheet_names(), vec!["lines", "totals"]);
    let sheet = wb.worksheet_range("lines").unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(xlsx_text).collect())
        .collect();
    let lines = r["lines"].as_array().unwrap();
    assert_eq!(rows.len(), lines.len() + 1);
    assert_eq!(
        rows[0][..6],
        [
            "line",
            "part",
            "quantity",
            "status",
            "unit_mass_g",
            "line_mass_g"
        ]
    );
    for (row, l) in rows[1..].iter().zip(lines) {
        assert_eq!(row[0], l["line"].as_str().unwrap());
        assert_eq!(row[1], l["part"].as_str().unwrap());
        assert_eq!(row[3], l["status"].as_str().unwrap());
        let num = |s: &str| s.parse::<f64>().ok();
        assert_eq!(num(&row[2]), l["quantity"].as_f64());
        assert_eq!(
            num(&row[4]),
            l["extraction"]["fields"]["mass"]["grams"].as_f64()
        );
        assert_eq!(num(&row[5]), l["line_mass_g"].as_f64());
        let materials: Vec<&str> = l["extraction"]["fields"]["materials"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["name"].as_str().unwrap())
            .collect();
        assert_eq!(row[6], materials.join("; "));
        let conf = num(&row[9]).unwrap();
        assert!(
            (conf - l["confidence"].as_f64().unwrap()).abs() < 1e-3,
            "{row:?}"
        );
        if let Some(c) = l["extraction"]["fields"]["mass"]["citations"].get(0) {
            assert_eq!(row[10], c["document_id"].as_str().unwrap());
            assert_eq!(row[12], c["quote"].as_str().unwrap());
        }
    }
    let totals = wb.worksheet_range("totals").unwrap();
    let total_mass = totals
        .rows()
        .find(|row| xlsx_text(&row[0]) == "total_mass_g")
        .map(|row| xlsx_text(&row[2]).parse::<f64>().unwrap())
        .unwrap();
    assert!(close(total_mass, r["totals"]["mass_g"].as_f64().unwrap()));
}

/// Peak resident memory of this process (each test runs in its own).
fn peak_rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

#[tokio::test]
async fn a_ten_thousand_line_bom_runs_as_a_job_within_the_memory_bound() {
    let app = spawn_app().await;
    ingest_all(
        &app,
        &[
            corpus_file("declarations/dtsheet_1641090_Bourns_SDR0805_inductor_MDS.txt"),
            corpus_file("datasheets/southwire_spec_85033_control_cable.txt"),
            ("epc0603.xml", EPC0603_DECLARATION.as_bytes().to_vec()),
        ],
    )
    .await;
    // 10,000 lines over 500 distinct parts: three that documents name, the
    // rest unknown.
    let mut file = String::from("Line,MPN,Qty\n");
    for i in 0..10_000 {
        let part = match i % 500 {
            0 => "EPC-0603-10K".to_owned(),
            1 => "SDR0805".to_owned(),
            2 => "85033".to_owned(),
            k => format!("SYN-{k:04}"),
        };
        file.push_str(&format!("L{i:05},{part},{}\n", 1 + i % 7));
    }
    let part = reqwest::multipart::Part::bytes(file.into_bytes()).file_name("big.csv");
    // Over 200 lines: a job even without `async=true`.
    let accepted = app
        .client
        .post(app.url("/v1/bom?mode=rules&name=big"))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status().as_u16(), 202);
    let location = accepted.headers()["location"].to_str().unwrap().to_owned();
    let job = wait_job(&app, &location).await;
    assert_eq!(job["status"], "done", "{}", job["error"]);
    assert_eq!(job["lines"], 10_000);
    let r = &job["result"];
    let lines = r["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 10_000);
    assert_eq!(lines[9_999]["line"], "L09999");
    let t = &r["totals"];
    assert_eq!(t["by_status"]["not_found"], 497 * 20);
    // The resistor line masses: 0.00198 g × quantity, 20 lines.
    let expected: f64 = (0..10_000)
        .filter(|i| i % 500 == 0)
        .map(|i| 0.00198 * f64::from(1 + i % 7))
        .sum();
    let resistor: f64 = lines
        .iter()
        .filter(|l| l["part"] == "EPC-0603-10K")
        .map(|l| l["line_mass_g"].as_f64().unwrap())
        .sum();
    assert!(close(resistor, expected), "{resistor} vs {expected}");
    assert!(t["mass_g"].as_f64().unwrap() >= resistor);
    let csv = app.get_text(&format!("{location}?format=csv")).await;
    assert_eq!(csv.lines().filter(|l| !l.starts_with('#')).count(), 10_001);
    let peak = peak_rss_bytes();
    assert!(
        peak < 1024 * 1024 * 1024,
        "peak RSS {} MiB is over the 1 GiB bound",
        peak >> 20
    );
    eprintln!("10,000-line BOM job: peak RSS {} MiB", peak >> 20);
}
