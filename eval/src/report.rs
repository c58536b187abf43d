//! The report: JSON for machines, Markdown for people, one SVG chart per
//! field, and case-by-case comparison of two reports.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::score::{Counts, Metrics};

pub const FIELDS: [&str; 4] = ["mass", "origin", "materials", "recycled"];

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FieldResult {
    pub outcome: String,
    pub predicted: Value,
    pub gold: Value,
    pub counts: Counts,
    /// The citations the prediction used (code point spans and quotes).
    pub citations: Vec<crate::score::Span>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseResult {
    pub id: String,
    pub doc: String,
    pub subject: Option<String>,
    pub latency_ms: f64,
    pub error: Option<String>,
    pub fields: BTreeMap<String, FieldResult>,
    /// An extractor the mode asked for did not answer.
    #[serde(default)]
    pub degraded: bool,
    /// The language model call's outcome and verification counts.
    #[serde(default)]
    pub llm: Option<Value>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Latency {
    pub p50: f64,
    pub p95: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub overall: Metrics,
    pub fields: BTreeMap<String, Metrics>,
    pub invented: usize,
    pub latency_ms: Latency,
    pub cases: Vec<CaseResult>,
    pub config: Value,
}

pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (p * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

pub fn build(cases: Vec<CaseResult>, config: Value) -> Report {
    let mut per_field: BTreeMap<String, Counts> = BTreeMap::new();
    let mut all = Counts::default();
    for c in &cases {
        for (f, r) in &c.fields {
            per_field.entry(f.clone()).or_default().add(&r.counts);
            all.add(&r.counts);
        }
    }
    let mut lat: Vec<f64> = cases.iter().map(|c| c.latency_ms).collect();
    lat.sort_by(f64::total_cmp);
    let mut config = config;
    config["degraded_cases"] = serde_json::json!(cases.iter().filter(|c| c.degraded).count());
    let llm: Vec<&Value> = cases.iter().filter_map(|c| c.llm.as_ref()).collect();
    if !llm.is_empty() {
        let sum = |k: &str| llm.iter().map(|v| v[k].as_u64().unwrap_or(0)).sum::<u64>();
        let located = |k: &str| {
            llm.iter()
                .map(|v| v["located"][k].as_u64().unwrap_or(0))
                .sum::<u64>()
        };
        let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
        for v in &llm {
            *outcomes
                .entry(v["outcome"].as_str().unwrap_or("").to_owned())
                .or_default() += 1;
        }
        config["llm"] = serde_json::json!({
            "outcomes": outcomes,
            "proposed": sum("proposed"),
            "located": {"exact": located("exact"), "normalised": located("normalised"), "fuzzy": located("fuzzy")},
            "dropped_unlocated": sum("dropped_unlocated"),
            "dropped_unsupported": sum("dropped_unsupported"),
        });
    }
    Report {
        overall: Metrics::from(&all),
        fields: per_field
            .iter()
            .map(|(k, v)| (k.clone(), Metrics::from(v)))
            .collect(),
        invented: all.invented,
        latency_ms: Latency {
            p50: percentile(&lat, 0.5),
            p95: percentile(&lat, 0.95),
        },
        cases,
        config,
    }
}

fn errors(c: &CaseResult) -> usize {
    c.fields.values().map(|f| f.counts.fp + f.counts.fn_).sum()
}

pub fn markdown(r: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Extraction evaluation\n");
    let _ = writeln!(
        s,
        "{} cases · mode `{}` · invented values: **{}** · latency p50 {:.0} ms, p95 {:.0} ms\n",
        r.cases.len(),
        r.config["mode"].as_str().unwrap_or("rules"),
        r.invented,
        r.latency_ms.p50,
        r.latency_ms.p95
    );
    if let Some(n) = r.config["degraded_cases"].as_u64().filter(|n| *n > 0) {
        let _ = writeln!(s, "Degraded answers (an extractor did not answer): {n}\n");
    }
    if let Some(l) = r.config.get("llm") {
        let _ = writeln!(
            s,
            "Language model: outcomes {} · values proposed {} · quotes located exactly {}, normalised {}, fuzzily {} · dropped: quote not found {}, value not supported {}\n",
            l["outcomes"],
            l["proposed"],
            l["located"]["exact"],
            l["located"]["normalised"],
            l["located"]["fuzzy"],
            l["dropped_unlocated"],
            l["dropped_unsupported"]
        );
    }
    let _ = writeln!(
        s,
        "| field | precision | recall | F1 | grounding |\n|---|---|---|---|---|"
    );
    let row = |s: &mut String, name: &str, m: &Metrics| {
        let _ = writeln!(
            s,
            "| {name} | {:.3} | {:.3} | {:.3} | {:.3} |",
            m.precision, m.recall, m.f1, m.grounding
        );
    };
    for f in FIELDS {
        if let Some(m) = r.fields.get(f) {
            row(&mut s, f, m);
        }
    }
    row(&mut s, "**overall**", &r.overall);
    let mut worst: Vec<&CaseResult> = r.cases.iter().filter(|c| errors(c) > 0).collect();
    worst.sort_by(|a, b| errors(b).cmp(&errors(a)).then(a.id.cmp(&b.id)));
    let _ = writeln!(s, "\n## Worst cases\n");
    for c in worst.iter().take(10) {
        let _ = writeln!(
            s,
            "### {} — `{}`{}\n",
            c.id,
            c.doc,
            c.subject
                .as_ref()
                .map(|x| format!(" (subject {x})"))
                .unwrap_or_default()
        );
        for (f, fr) in &c.fields {
            if fr.counts.fp + fr.counts.fn_ == 0 {
                continue;
            }
            let _ = writeln!(
                s,
                "- **{f}** {}: predicted `{}`, gold `{}`",
                fr.outcome, fr.predicted, fr.gold
            );
            for c in fr.citations.iter().take(2) {
                let q: String = c.quote.chars().take(160).collect();
                let _ = writeln!(s, "  - quote: “{}”", q.replace('\n', " ⏎ "));
            }
        }
        if let Some(e) = &c.error {
            let _ = writeln!(s, "- error: {e}");
        }
        let _ = writeln!(s);
    }
    s
}

/// A small bar chart of one field's four metrics.
pub fn svg(field: &str, m: &Metrics) -> String {
    let bars = [
        ("precision", m.precision),
        ("recall", m.recall),
        ("F1", m.f1),
        ("grounding", m.grounding),
    ];
    let mut s = String::from(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"360\" height=\"220\" font-family=\"sans-serif\" font-size=\"12\">\n",
    );
    let _ = writeln!(
        s,
        "<text x=\"10\" y=\"18\" font-size=\"14\" font-weight=\"bold\">{field}</text>"
    );
    let _ = writeln!(
        s,
        "<line x1=\"30\" y1=\"180\" x2=\"350\" y2=\"180\" stroke=\"#333\"/>"
    );
    for (i, (name, v)) in bars.iter().enumerate() {
        let h = (v.clamp(0.0, 1.0) * 140.0).round();
        let x = 40 + i * 80;
        let _ = writeln!(
            s,
            "<rect x=\"{x}\" y=\"{}\" width=\"50\" height=\"{h}\" fill=\"#3b6ea8\"/><text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{v:.2}</text><text x=\"{}\" y=\"198\" text-anchor=\"middle\">{name}</text>",
            180.0 - h,
            x + 25,
            175.0 - h,
            x + 25
        );
    }
    s.push_str("</svg>\n");
    s
}

pub fn write(r: &Report, out: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(out)?;
    std::fs::write(out.join("report.json"), serde_json::to_vec_pretty(r)?)?;
    std::fs::write(out.join("report.md"), markdown(r))?;
    for f in FIELDS {
        if let Some(m) = r.fields.get(f) {
            std::fs::write(out.join(format!("chart_{f}.svg")), svg(f, m))?;
        }
    }
    Ok(())
}

/// Case-by-case differences between two reports.
pub fn compare(a: &Report, b: &Report) -> String {
    let good = |o: &str| o == "correct" || o == "correct_empty";
    let mut better = Vec::new();
    let mut worse = Vec::new();
    let bmap: BTreeMap<&str, &CaseResult> = b.cases.iter().map(|c| (c.id.as_str(), c)).collect();
    for ca in &a.cases {
        let Some(cb) = bmap.get(ca.id.as_str()) else {
            continue;
        };
        for f in FIELDS {
            let (Some(fa), Some(fb)) = (ca.fields.get(f), cb.fields.get(f)) else {
                continue;
            };
            let line = format!(
                "{} {f}: {} {} → {} {}",
                ca.id, fa.outcome, fa.predicted, fb.outcome, fb.predicted
            );
            let (ea, eb) = (fa.counts.fp + fa.counts.fn_, fb.counts.fp + fb.counts.fn_);
            if (!good(&fa.outcome) && good(&fb.outcome)) || eb < ea {
                better.push(line);
            } else if (good(&fa.outcome) && !good(&fb.outcome)) || eb > ea {
                worse.push(line);
            }
        }
    }
    let mut s = String::new();
    let _ = writeln!(s, "metric            A       B       Δ");
    for f in FIELDS
        .iter()
        .map(|f| f.to_string())
        .chain(std::iter::once("overall".to_owned()))
    {
        let (ma, mb) = if f == "overall" {
            (Some(&a.overall), Some(&b.overall))
        } else {
            (a.fields.get(&f), b.fields.get(&f))
        };
        if let (Some(ma), Some(mb)) = (ma, mb) {
            let _ = writeln!(
                s,
                "{f:<10} F1    {:.3}   {:.3}   {:+.3}",
                ma.f1,
                mb.f1,
                mb.f1 - ma.f1
            );
        }
    }
    let _ = writeln!(
        s,
        "invented          {:<7} {:<7} {:+}",
        a.invented,
        b.invented,
        b.invented as i64 - a.invented as i64
    );
    let _ = writeln!(s, "\nbetter in B ({}):", better.len());
    better.iter().for_each(|l| {
        let _ = writeln!(s, "  + {l}");
    });
    let _ = writeln!(s, "worse in B ({}):", worse.len());
    worse.iter().for_each(|l| {
        let _ = writeln!(s, "  - {l}");
    });
    s
}

/// Metrics that fell below the baseline (with a small tolerance for float
/// noise), and an invented count above it.
pub fn regressions(r: &Report, baseline: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let eps = 1e-6;
    let check = |name: &str, m: &Metrics, base: &Value, out: &mut Vec<String>| {
        for (k, v) in [
            ("precision", m.precision),
            ("recall", m.recall),
            ("f1", m.f1),
            ("grounding", m.grounding),
        ] {
            if let Some(b) = base[k].as_f64()
                && v + eps < b
            {
                out.push(format!("{name}.{k}: {v:.4} < baseline {b:.4}"));
            }
        }
    };
    check("overall", &r.overall, &baseline["overall"], &mut out);
    for f in FIELDS {
        if let Some(m) = r.fields.get(f) {
            check(f, m, &baseline["fields"][f], &mut out);
        }
    }
    if let Some(b) = baseline["invented"].as_u64()
        && r.invented as u64 > b
    {
        out.push(format!("invented: {} > baseline {b}", r.invented));
    }
    out
}
