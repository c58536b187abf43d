#![allow(clippy::unwrap_used, clippy::expect_used)]

//! `/v1/ask`, the OpenAI-compatible chat endpoint and the web page, on
//! real corpus documents, without a language model.

use serde_json::{Value, json};

use crate::helpers::*;

/// Every citation of an ask answer is the document text at its span, and
/// every `[n]` marker in the answer has its citation.
async fn assert_ask_citations(app: &TestApp, a: &Value) {
    let cites = a["citations"].as_array().unwrap();
    for c in cites {
        assert_quote_at_span(app, c).await;
    }
    let answer = a["answer"].as_str().unwrap();
    for n in 1..=cites.len() {
        assert!(
            answer.contains(&format!("[{n}]")),
            "[{n}] missing: {answer}"
        );
    }
    assert!(!answer.contains(&format!("[{}]", cites.len() + 1)));
}

async fn ask(app: &TestApp, body: Value) -> Value {
    let (status, v) = app.post("/v1/ask", &body).await;
    assert_eq!(status, 200, "{v}");
    assert_ask_citations(app, &v).await;
    v
}

#[tokio::test]
async fn field_questions_and_follow_ups_are_answered_with_citations() {
    let app = spawn_app().await;
    app.ingest("datasheets/Vishay_1N4148.pdf").await;
    app.ingest("datasheets/Omron_G5V-1_relay.pdf").await;
    let q1 = "How much does the 1N4148 weigh?";
    let a = ask(&app, json!({"question": q1})).await;
    let answer = a["answer"].as_str().unwrap();
    assert!(
        answer.contains("1N4148") && answer.contains("0.105 g") && answer.contains("[1]"),
        "{answer}"
    );
    assert_eq!(a["subject"], "1N4148");
    assert_eq!(a["provenance"]["mode"], "extraction");
    assert_eq!(a["provenance"]["subject_from"], "question");
    assert!(a["citations"][0]["quote"].as_str().unwrap().contains("105"));
    assert_eq!(a["citations"][0]["source"], "Vishay_1N4148.pdf");
    // A follow-up takes its subject from the conversation.
    let a2 = ask(
        &app,
        json!({"question": "And what is it made of?", "history": [
            {"role": "user", "content": q1},
            {"role": "assistant", "content": answer}
        ]}),
    )
    .await;
    assert_eq!(a2["subject"], "1N4148", "{a2}");
    assert_eq!(a2["provenance"]["subject_from"], "conversation");
    assert_eq!(a2["provenance"]["fields"], json!(["materials"]));
    // The relay: materials in a sentence, each with its marker.
    let a3 = ask(&app, json!({"question": "What is the G5V-1 made of?"})).await;
    let text = a3["answer"].as_str().unwrap();
    assert!(text.contains("silver") && text.contains("gold"), "{text}");
    // A fact the documents do not state is said to be missing, not made up.
    let a4 = ask(&app, json!({"question": "Where is the G5V-1 made?"})).await;
    assert!(
        a4["answer"]
            .as_str()
            .unwrap()
            .contains("do not state where"),
        "{a4}"
    );
    assert!(a4["citations"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn other_questions_get_the_most_relevant_passages_highlighted() {
    let app = spawn_app().await;
    app.ingest("datasheets/Vishay_1N4148.pdf").await;
    let a = ask(
        &app,
        json!({"question": "What is the reverse recovery time of the 1N4148?"}),
    )
    .await;
    assert_eq!(a["provenance"]["mode"], "passages");
    let cites = a["citations"].as_array().unwrap();
    assert!(!cites.is_empty());
    // The cited line is the passage's best match, not the whole chunk.
    assert!(
        cites.iter().any(|c| c["quote"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("recovery")),
        "{a}"
    );
    assert!(
        cites
            .iter()
            .all(|c| c["quote"].as_str().unwrap().lines().count() == 1)
    );
}

#[tokio::test]
async fn bad_questions_get_clear_errors() {
    let app = spawn_app().await;
    for (body, status) in [
        (json!({"question": "  "}), 400),
        (json!({"question": "x".repeat(2001)}), 400),
        (
            json!({"question": "hi", "history": vec![json!({"role": "user", "content": "a"}); 41]}),
            400,
        ),
        (
            json!({"question": "hi", "history": [{"role": "wizard", "content": "a"}]}),
            422,
        ),
        (json!({"query": "hi"}), 422),
    ] {
        let (s, v) = app.post("/v1/ask", &body).await;
        assert_eq!(s, status, "{body}: {v}");
        assert!(v["error"]["code"].is_string());
    }
    // An empty index answers, and says it found nothing.
    let a = ask(&app, json!({"question": "What is the weight of the QX-1?"})).await;
    assert!(a["citations"].as_array().unwrap().is_empty());
}

/// Parses a server-sent events body into its `data:` payloads.
fn sse_data(body: &str) -> Vec<String> {
    body.split("\n\n")
        .filter_map(|ev| {
            let data: Vec<&str> = ev
                .lines()
                .filter_map(|l| l.strip_prefix("data:").map(str::trim_start))
                .collect();
            (!data.is_empty()).then(|| data.join("\n"))
        })
        .collect()
}

#[tokio::test]
async fn chat_completions_speak_the_openai_wire_format() {
    let app = spawn_app().await;
    app.ingest("datasheets/Vishay_1N4148.pdf").await;
    let (s, models) = app.get("/v1/models").await;
    assert_eq!(s, 200);
    assert_eq!(models["data"][0]["id"], "attest");
    let body = json!({"model": "attest", "messages": [
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": "How much does the 1N4148 weigh?"}
    ]});
    let (s, v) = app.post("/v1/chat/completions", &body).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["object"], "chat.completion");
    assert_eq!(v["choices"][0]["finish_reason"], "stop");
    let content = v["choices"][0]["message"]["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        content.contains("(0.105 g) [1]")
            && content.contains("\n\nSources:\n[1] Vishay_1N4148.pdf, page"),
        "{content}"
    );
    assert_eq!(v["citations"][0]["n"], 1);
    assert!(v["usage"]["total_tokens"].as_u64().unwrap() > 0);
    // Streaming: the same text in chunks, citations on the first content
    // chunk and on the last, then [DONE].
    let mut streamed = body.clone();
    streamed["stream"] = json!(true);
    let r = app
        .client
        .post(app.url("/v1/chat/completions"))
        .json(&streamed)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let events = sse_data(&r.text().await.unwrap());
    assert_eq!(events.last().map(String::as_str), Some("[DONE]"));
    let chunks: Vec<Value> = events[..events.len() - 1]
        .iter()
        .map(|e| serde_json::from_str(e).unwrap())
        .collect();
    let text: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert_eq!(text, content);
    assert!(
        chunks
            .iter()
            .all(|c| c["object"] == "chat.completion.chunk" && c["id"] == chunks[0]["id"])
    );
    let last = chunks.last().unwrap();
    assert_eq!(last["choices"][0]["finish_reason"], "stop");
    assert_eq!(last["citations"], v["citations"]);
    // Errors use the API's error body and a 4xx status.
    let (s, e) = app
        .post(
            "/v1/chat/completions",
            &json!({"model": "attest", "messages": []}),
        )
        .await;
    assert_eq!(s, 400, "{e}");
    let (s, _) = app
        .post(
            "/v1/chat/completions",
            &json!({"messages": [{"role": "assistant", "content": "hi"}]}),
        )
        .await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn the_web_page_is_served_with_its_assets() {
    let app = spawn_app().await;
    for (path, ctype, needle) in [
        ("/", "text/html", "/assets/app.js"),
        ("/assets/app.js", "text/javascript", "/v1/ask"),
        ("/assets/app.css", "text/css", "cited-span"),
    ] {
        let r = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let h = r.headers().clone();
        assert!(
            h["content-type"].to_str().unwrap().starts_with(ctype),
            "{path}"
        );
        assert!(
            h["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("default-src 'self'")
        );
        assert!(r.text().await.unwrap().contains(needle), "{path}");
    }
}
