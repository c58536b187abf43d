//! `POST /v1/chat/completions` and `GET /v1/models` in the OpenAI wire
//! format, so chat front ends that speak OpenAI can use attest.
//!
//! The last user message is the question, the earlier messages the
//! conversation. The answer keeps its `[n]` markers and ends with a
//! "Sources:" list; the same citations are in a top-level `citations`
//! field (and `provenance`), in streamed responses too (on the first and
//! the last chunk).

use std::convert::Infallible;
use std::time::Duration;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use attest_engine::ask::{AskCitation, AskRequest, AskResponse, Role, Turn, ask};
use attest_engine::extract::Mode;

use crate::auth::{AnyScope, Authed, ExtractScope};
use crate::error::{ApiError, ApiJson};
use crate::startup::AppState;

/// The model name attest answers as.
pub const MODEL: &str = "attest";

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ChatMessage {
    pub role: String,
    /// A string, or a list of content parts (`{"type": "text", "text"}`).
    #[serde(default)]
    #[schema(value_type = serde_json::Value)]
    pub content: Value,
}

/// OpenAI's request; sampling fields and other extensions are accepted
/// and ignored (answers are deterministic given the documents).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ChatRequest {
    #[serde(default)]
    pub model: Option<String>,
    pub messages: Vec<ChatMessage>,
    #[serde(default)]
    pub stream: Option<bool>,
    /// attest extensions.
    #[serde(default)]
    pub document_ids: Option<Vec<String>>,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub mode: Option<Mode>,
}

fn text_of(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter(|p| p["type"] == "text")
            .filter_map(|p| p["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

fn to_ask(req: &ChatRequest) -> Result<AskRequest, ApiError> {
    let Some((last, earlier)) = req.messages.split_last() else {
        return Err(ApiError::BadRequest("messages is empty".into()));
    };
    if last.role != "user" {
        return Err(ApiError::BadRequest(
            "the last message must be the user's question".into(),
        ));
    }
    let question = text_of(&last.content);
    if question.trim().is_empty() {
        return Err(ApiError::BadRequest("the question is empty".into()));
    }
    let history = earlier
        .iter()
        .filter_map(|m| {
            let role = match m.role.as_str() {
                "user" => Role::User,
                "assistant" => Role::Assistant,
                _ => return None,
            };
            Some(Turn {
                role,
                content: text_of(&m.content),
            })
        })
        .rev()
        .take(attest_engine::ask::MAX_HISTORY)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    Ok(AskRequest {
        question,
        document_ids: req.document_ids.clone(),
        subject: req.subject.clone(),
        history,
        mode: req.mode,
    })
}

/// The answer with a "Sources:" list under it.
pub fn content_with_sources(a: &AskResponse) -> String {
    if a.citations.is_empty() {
        return a.answer.clone();
    }
    let mut s = a.answer.clone();
    s.push_str("\n\nSources:");
    for c in &a.citations {
        let quote: String = c
            .citation
            .quote
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let short: String = quote.chars().take(200).collect();
        let ell = if short.len() < quote.len() { "…" } else { "" };
        s.push_str(&format!(
            "\n[{}] {}, page {}: “{short}{ell}”",
            c.n, c.source, c.citation.page
        ));
    }
    s
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn usage_of(question: &str, content: &str) -> Usage {
    let p = attest_engine::llm::estimate_tokens(question);
    let c = attest_engine::llm::estimate_tokens(content);
    Usage {
        prompt_tokens: p,
        completion_tokens: c,
        total_tokens: p + c,
    }
}

fn usage(question: &str, content: &str) -> Value {
    serde_json::to_value(usage_of(question, content)).unwrap_or(Value::Null)
}

/// A JSON value written as the typed answer is: through its text, so
/// `f32` coordinates keep their shortest form (53.7, not 53.70000076…) in
/// streamed and non-streamed answers alike.
fn as_written<T: serde::Serialize>(t: &T) -> Value {
    serde_json::to_string(t)
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(Value::Null)
}

fn citations_json(c: &[AskCitation]) -> Value {
    as_written(&c)
}

/// A chat completion (non-streamed).
#[derive(Serialize, utoipa::ToSchema)]
pub struct ChatCompletion {
    pub id: String,
    /// `chat.completion`
    pub object: String,
    pub created: u64,
    pub model: String,
    pub choices: Vec<ChatChoice>,
    pub usage: Usage,
    pub citations: Vec<AskCitation>,
    pub provenance: attest_engine::ask::AskProvenance,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ChatChoice {
    pub index: u32,
    pub message: ChatReply,
    pub finish_reason: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ChatReply {
    pub role: String,
    pub content: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Usage {
    pub prompt_tokens: usize,
    pub completion_tokens: usize,
    pub total_tokens: usize,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ModelList {
    /// `list`
    pub object: String,
    pub data: Vec<ModelCard>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ModelCard {
    pub id: String,
    pub object: String,
    pub created: u64,
    pub owned_by: String,
}

/// The OpenAI chat completions wire format; `stream: true` answers with
/// server-sent `chat.completion.chunk` events ending in `[DONE]`.
#[utoipa::path(
    post,
    path = "/v1/chat/completions",
    tag = "answers",
    request_body = ChatRequest,
    responses((
        status = 200,
        description = "The answer, with `[n]` markers, a Sources list and structured citations",
        content(
            (ChatCompletion = "application/json"),
            (String = "text/event-stream"),
        )
    ))
)]
pub async fn completions(
    State(state): State<AppState>,
    Authed(caller, _): Authed<ExtractScope>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<ChatRequest>,
) -> Result<Response, ApiError> {
    let ask_req = to_ask(&req)?;
    let request_id = super::request_id(&headers);
    let id = format!("chatcmpl-{request_id}");
    let model = req
        .model
        .clone()
        .filter(|m| !m.trim().is_empty())
        .unwrap_or_else(|| MODEL.to_owned());
    if req.stream != Some(true) {
        let a = ask(
            &state.engine,
            &state.extractors,
            &caller.tenant,
            &request_id,
            &ask_req,
        )
        .await?;
        super::audit_answer(&state, &caller, "chat", &request_id, &ask_req.question, &a);
        let content = content_with_sources(&a);
        let usage = usage_of(&ask_req.question, &content);
        return Ok(Json(ChatCompletion {
            id,
            object: "chat.completion".into(),
            created: now(),
            model,
            choices: vec![ChatChoice {
                index: 0,
                message: ChatReply {
                    role: "assistant".into(),
                    content,
                },
                finish_reason: "stop".into(),
            }],
            usage,
            citations: a.citations,
            provenance: a.provenance,
        })
        .into_response());
    }
    // Streaming: the role goes out at once, the answer when it is ready.
    let (tx, rx) = tokio::sync::mpsc::channel::<Event>(64);
    let head = json!({
        "id": id,
        "object": "chat.completion.chunk",
        "created": now(),
        "model": model,
    });
    tokio::spawn(async move {
        let _ = tx
            .send(chunk(
                &head,
                json!({"role": "assistant", "content": ""}),
                None,
                &[],
            ))
            .await;
        // A streamed answer has the same deadline as any other request.
        let deadline = Duration::from_secs(state.settings.request_timeout_secs.max(1));
        let answer = tokio::time::timeout(
            deadline,
            ask(
                &state.engine,
                &state.extractors,
                &caller.tenant,
                &request_id,
                &ask_req,
            ),
        )
        .await
        .map_err(|_| {
            ApiError::Timeout(format!(
                "no answer within the request deadline of {} s",
                deadline.as_secs()
            ))
        })
        .and_then(|r| r.map_err(ApiError::from));
        match answer {
            Ok(a) => {
                super::audit_answer(&state, &caller, "chat", &request_id, &ask_req.question, &a);
                let content = content_with_sources(&a);
                let cites = citations_json(&a.citations);
                for (i, piece) in pieces(&content).into_iter().enumerate() {
                    let extra = if i == 0 {
                        vec![("citations", cites.clone())]
                    } else {
                        Vec::new()
                    };
                    let event = chunk(&head, json!({"content": piece}), None, &extra);
                    if tx.send(event).await.is_err() {
                        return;
                    }
                }
                let last = chunk(
                    &head,
                    json!({}),
                    Some("stop"),
                    &[
                        ("citations", cites),
                        ("usage", usage(&ask_req.question, &content)),
                        ("provenance", as_written(&a.provenance)),
                    ],
                );
                let _ = tx.send(last).await;
            }
            Err(e) => {
                let body = json!({"error": {"message": e.to_string(), "type": "attest_error"}});
                let _ = tx.send(Event::default().data(body.to_string())).await;
            }
        }
        let _ = tx.send(Event::default().data("[DONE]")).await;
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|e| (Ok::<_, Infallible>(e), rx))
    });
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response())
}

/// One `chat.completion.chunk` event.
fn chunk(head: &Value, delta: Value, finish: Option<&str>, extra: &[(&str, Value)]) -> Event {
    let mut v = head.clone();
    v["choices"] = json!([{"index": 0, "delta": delta, "finish_reason": finish}]);
    for (k, x) in extra {
        v[*k] = x.clone();
    }
    Event::default().data(v.to_string())
}

/// The content in pieces of a few words, as a model would stream it.
fn pieces(content: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for (i, word) in content.split_inclusive(' ').enumerate() {
        cur.push_str(word);
        if i % 4 == 3 {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The one model attest answers as (any valid key).
#[utoipa::path(
    get,
    path = "/v1/models",
    tag = "answers",
    responses((status = 200, description = "The model list", body = ModelList))
)]
pub async fn models(Authed(_, _): Authed<AnyScope>) -> Json<ModelList> {
    Json(ModelList {
        object: "list".into(),
        data: vec![ModelCard {
            id: MODEL.into(),
            object: "model".into(),
            created: 0,
            owned_by: "attest".into(),
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streamed_pieces_reassemble_the_content() {
        let c =
            "The Vishay 1N4148 weighs 105 mg (0.105 g) [1].\n\nSources:\n[1] a.pdf, page 2: “x”";
        assert_eq!(pieces(c).concat(), c);
        assert!(pieces(c).len() > 3);
    }

    #[test]
    fn content_parts_and_roles_are_read() {
        let req: ChatRequest = serde_json::from_value(json!({
            "model": "attest",
            "messages": [
                {"role": "system", "content": "be brief"},
                {"role": "user", "content": "How much does the 1N4148 weigh?"},
                {"role": "assistant", "content": "105 mg [1]"},
                {"role": "user", "content": [{"type": "text", "text": "and where is it made?"}]}
            ],
            "temperature": 0.2
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let a = to_ask(&req).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.question, "and where is it made?");
        assert_eq!(a.history.len(), 2);
        assert_eq!(a.history[0].role, Role::User);
        let empty: ChatRequest =
            serde_json::from_value(json!({"messages": []})).unwrap_or_else(|e| panic!("{e}"));
        assert!(to_ask(&empty).is_err());
    }
}
