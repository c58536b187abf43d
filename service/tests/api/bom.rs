//! A bill of materials rolled up from corpus parts: per-line values with
//! verified citations, line masses, statuses, totals that add up, a
//! declaration's materials splitting its part's mass, and the CSV export.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};

use crate::helpers::*;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

#[tokio::test]
async fn a_bom_rolls_up_cited_part_values_into_totals() {
    let app = spawn_app().await;
    app.ingest("datasheets/Vishay_1N4148.pdf").await;
    app.ingest("datasheets/Omron_G5V-1_relay.pdf").await;
    app.ingest("datasheets/southwire_spec_85033_control_cable.txt")
        .await;
    let (status, up) = app
        .upload_bytes("epc0603.xml", EPC0603_DECLARATION.as_bytes().to_vec())
        .await;
    assert_eq!(status, 202, "{up}");
    app.wait(up["id"].as_str().unwrap()).await;

    let bom = json!({
        "name": "relay board",
        "mode": "rules",
        "lines": [
            {"line": "D1", "part": "1N4148", "quantity": 4},
            {"line": "K1", "part": "G5V-1", "quantity": 2},
            {"line": "R1", "part": "EPC-0603-10K", "quantity": 10},
            {"line": "W1", "part": "85033", "quantity": 1, "unit": "m"},
            {"line": "X1", "part": "ZZ-NOPE-999", "quantity": 3},
        ]
    });
    let (status, r) = app.post("/v1/bom", &bom).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["name"], "relay board");
    let lines = r["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 5);
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
    assert!(line("D1")["line_mass_g"].as_f64().is_some());
    assert!(line("K1")["line_mass_g"].as_f64().is_some());
    assert!(close(line("R1")["line_mass_g"].as_f64().unwrap(), 0.0198));
    let unknown = line("X1");
    assert_eq!(unknown["status"], "not_found");
    assert!(
        unknown["reasons"][0]
            .as_str()
            .unwrap()
            .contains("ZZ-NOPE-999")
    );
    for l in lines.iter().filter(|l| l["line"] != "X1") {
        assert!(
            ["found", "partial", "ambiguous"].contains(&l["status"].as_str().unwrap()),
            "{l}"
        );
    }

    // Totals add up.
    let t = &r["totals"];
    assert!(close(t["mass_g"].as_f64().unwrap(), sum), "{t}");
    assert_eq!(t["lines_with_mass"], with_mass);
    assert_eq!(t["lines"], 5);
    let statuses: u64 = t["by_status"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(statuses, 5);
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
    assert_eq!(rows.len(), 6, "{text}");
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
    assert!(text.contains(&format!("# total_mass_g,{}", t["mass_g"])));

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
    assert_eq!(uploaded["totals"], r["totals"], "{uploaded}");
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
