//! Client for any OpenAI-compatible chat completions endpoint.
//!
//! One [`LlmClient`] per process: it bounds concurrency with a semaphore,
//! enforces a token budget on every prompt, asks for JSON that follows a
//! schema, retries only transient failures (timeouts, connection errors,
//! 429 and 5xx) with exponential backoff, and never runs past the caller's
//! deadline. Every failure is classified ([`LlmError`]) so callers can fall
//! back and say why. The API key is a secret: it is redacted from `Debug`
//! and never logged.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionRequestMessage, ChatCompletionRequestSystemMessage,
    ChatCompletionRequestUserMessage, CreateChatCompletionRequest, FinishReason, ResponseFormat,
    ResponseFormatJsonSchema,
};
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;

/// Connection and budget settings (from `ATTEST_LLM_*`).
#[derive(Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LlmConfig {
    /// Base URL of the OpenAI-compatible API, e.g. `http://127.0.0.1:18081/v1`.
    pub base_url: String,
    pub api_key: Option<String>,
    pub model: String,
    /// Deadline for one extraction or answer, retries included, in seconds.
    pub timeout_secs: u64,
    /// Requests in flight at once; more wait for a slot (within the deadline).
    pub max_concurrency: usize,
    /// Estimated prompt tokens allowed per request; context is cut to fit.
    pub max_prompt_tokens: usize,
    /// Completion tokens allowed per request.
    pub max_output_tokens: u32,
    /// Retries after a transient failure.
    pub retries: u32,
    /// Answers stored by request hash and reused for the identical request
    /// (temperature 0 and a fixed seed make them repeatable); for
    /// evaluation runs and audits. Unset means no cache.
    pub cache_dir: Option<std::path::PathBuf>,
}

impl Default for LlmConfig {
    fn default() -> Self {
        Self {
            base_url: String::new(),
            api_key: None,
            model: "local-llm".into(),
            timeout_secs: 60,
            max_concurrency: 2,
            max_prompt_tokens: 1_200,
            max_output_tokens: 512,
            retries: 2,
            cache_dir: None,
        }
    }
}

impl std::fmt::Debug for LlmConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("model", &self.model)
            .field("timeout_secs", &self.timeout_secs)
            .field("max_concurrency", &self.max_concurrency)
            .field("max_prompt_tokens", &self.max_prompt_tokens)
            .field("max_output_tokens", &self.max_output_tokens)
            .field("retries", &self.retries)
            .field("cache_dir", &self.cache_dir)
            .finish()
    }
}

/// Why a call produced no usable output.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LlmError {
    #[error("the language model did not answer before the deadline")]
    Timeout,
    #[error("the language model endpoint is rate limited (429)")]
    RateLimited,
    #[error("the language model endpoint failed ({0})")]
    Server(u16),
    #[error("the language model endpoint refused the request ({status}): {message}")]
    Rejected { status: u16, message: String },
    #[error("cannot reach the language model endpoint: {0}")]
    Unreachable(String),
    #[error("the language model answer is not the JSON asked for: {0}")]
    Malformed(String),
    #[error("the language model answer was cut at the token limit")]
    Truncated,
    #[error("the language model refused: {0}")]
    Refused(String),
    #[error("the prompt does not fit the token budget even without context")]
    OverBudget,
}

impl LlmError {
    /// Worth another attempt: the same request may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            LlmError::Timeout
                | LlmError::RateLimited
                | LlmError::Server(_)
                | LlmError::Unreachable(_)
        )
    }

    /// Stable short code for provenance and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            LlmError::Timeout => "timeout",
            LlmError::RateLimited => "rate_limited",
            LlmError::Server(_) => "server_error",
            LlmError::Rejected { .. } => "rejected",
            LlmError::Unreachable(_) => "unreachable",
            LlmError::Malformed(_) => "malformed",
            LlmError::Truncated => "truncated",
            LlmError::Refused(_) => "refused",
            LlmError::OverBudget => "over_budget",
        }
    }
}

/// A chat request: system and user text plus the JSON schema of the answer.
#[derive(Debug, Clone)]
pub struct JsonRequest {
    pub system: String,
    pub user: String,
    pub schema_name: String,
    pub schema: serde_json::Value,
}

/// A parsed answer and what it cost.
#[derive(Debug, Clone, Serialize)]
pub struct JsonAnswer {
    pub value: serde_json::Value,
    /// The answer text exactly as received (kept for provenance).
    pub raw: String,
    pub prompt_tokens: Option<u32>,
    pub completion_tokens: Option<u32>,
    pub attempts: u32,
    pub latency_ms: u64,
    /// Served from the answer cache (no call made).
    pub cached: bool,
}

/// Parameters recorded in provenance so an answer can be re-run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CallParams {
    pub model: String,
    pub temperature: f32,
    pub seed: i64,
    pub max_output_tokens: u32,
    pub max_prompt_tokens: usize,
}

pub const TEMPERATURE: f32 = 0.0;
pub const SEED: i64 = 7;

pub struct LlmClient {
    client: Client<OpenAIConfig>,
    config: LlmConfig,
    slots: Arc<Semaphore>,
}

impl std::fmt::Debug for LlmClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmClient")
            .field("config", &self.config)
            .finish()
    }
}

/// Rough token count for budgeting: about three bytes per token for the
/// datasheet English of the corpus (numbers and part codes split into many
/// tokens), one token per CJK character.
pub fn estimate_tokens(text: &str) -> usize {
    let cjk = text.chars().filter(|c| (*c as u32) >= 0x2E80).count();
    let other = text.len().saturating_sub(cjk * 3);
    other.div_ceil(3) + cjk
}

impl LlmClient {
    pub fn new(config: LlmConfig) -> Result<Self, LlmError> {
        if config.base_url.trim().is_empty() {
            return Err(LlmError::Unreachable("no base URL configured".into()));
        }
        // HTTPS endpoints need a TLS crypto provider; another part of the
        // process may have installed one already.
        let _ = rustls::crypto::ring::default_provider().install_default();
        // The HTTP client gets its own timeout as a backstop; the deadline
        // of each call is enforced around it.
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(config.timeout_secs.max(1)))
            .build()
            .map_err(|e| LlmError::Unreachable(e.to_string()))?;
        let mut oc = OpenAIConfig::new().with_api_base(config.base_url.trim_end_matches('/'));
        // Local servers take any key; hosted ones need the configured one.
        oc = oc.with_api_key(config.api_key.clone().unwrap_or_else(|| "none".into()));
        // Plain transport: retries are decided here (transient failures
        // only, within the caller's deadline), not by the client library.
        let client = Client::with_config(oc)
            .with_http_service(async_openai::middleware::ReqwestService::new(http));
        Ok(Self {
            client,
            slots: Arc::new(Semaphore::new(config.max_concurrency.max(1))),
            config,
        })
    }

    pub fn config(&self) -> &LlmConfig {
        &self.config
    }

    pub fn params(&self) -> CallParams {
        CallParams {
            model: self.config.model.clone(),
            temperature: TEMPERATURE,
            seed: SEED,
            max_output_tokens: self.config.max_output_tokens,
            max_prompt_tokens: self.config.max_prompt_tokens,
        }
    }

    /// Default deadline for one call, from configuration.
    pub fn deadline(&self) -> Instant {
        Instant::now() + Duration::from_secs(self.config.timeout_secs.max(1))
    }

    /// Sends the request and parses the answer as JSON, retrying transient
    /// failures with backoff while the deadline allows.
    pub async fn complete_json(
        &self,
        req: &JsonRequest,
        deadline: Instant,
    ) -> Result<JsonAnswer, LlmError> {
        let started = Instant::now();
        let result = self.complete_json_once(req, deadline).await;
        let outcome = match &result {
            Ok(a) if a.cached => "cached",
            Ok(_) => "ok",
            Err(e) => e.code(),
        };
        metrics::counter!("attest_llm_calls_total", "outcome" => outcome).increment(1);
        metrics::histogram!("attest_llm_call_seconds").record(started.elapsed().as_secs_f64());
        if let Ok(a) = &result {
            if let Some(t) = a.prompt_tokens {
                metrics::counter!("attest_llm_tokens_total", "kind" => "prompt")
                    .increment(u64::from(t));
            }
            if let Some(t) = a.completion_tokens {
                metrics::counter!("attest_llm_tokens_total", "kind" => "completion")
                    .increment(u64::from(t));
            }
        }
        result
    }

    async fn complete_json_once(
        &self,
        req: &JsonRequest,
        deadline: Instant,
    ) -> Result<JsonAnswer, LlmError> {
        if estimate_tokens(&req.system) + estimate_tokens(&req.user) > self.config.max_prompt_tokens
        {
            return Err(LlmError::OverBudget);
        }
        let started = Instant::now();
        let cache_file = self
            .config
            .cache_dir
            .as_ref()
            .map(|d| d.join(self.cache_key(req)));
        if let Some(raw) = cache_file
            .as_ref()
            .and_then(|f| std::fs::read_to_string(f).ok())
        {
            return Ok(JsonAnswer {
                value: parse_answer(&raw, Some(FinishReason::Stop))?,
                raw,
                prompt_tokens: None,
                completion_tokens: None,
                attempts: 0,
                latency_ms: 0,
                cached: true,
            });
        }
        let remaining = || deadline.saturating_duration_since(Instant::now());
        let _slot = tokio::time::timeout(remaining(), self.slots.acquire())
            .await
            .map_err(|_| LlmError::Timeout)?
            .map_err(|_| LlmError::Unreachable("client closed".into()))?;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let result = match tokio::time::timeout(remaining(), self.call(req)).await {
                Ok(r) => r,
                Err(_) => Err(LlmError::Timeout),
            };
            match result {
                Ok((raw, finish, usage)) => {
                    let value = parse_answer(&raw, finish)?;
                    if let Some(f) = &cache_file {
                        store(f, &raw);
                    }
                    return Ok(JsonAnswer {
                        value,
                        raw,
                        prompt_tokens: usage.map(|u| u.0),
                        completion_tokens: usage.map(|u| u.1),
                        attempts: attempt,
                        latency_ms: u64::try_from(started.elapsed().as_millis())
                            .unwrap_or(u64::MAX),
                        cached: false,
                    });
                }
                Err(e) if e.is_transient() && attempt <= self.config.retries => {
                    let backoff = Duration::from_millis(250 * (1 << (attempt - 1).min(4)));
                    if remaining() <= backoff {
                        return Err(e);
                    }
                    tracing::warn!(error = %e, attempt, "language model call failed; retrying");
                    tokio::time::sleep(backoff).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Hash of everything that determines the answer.
    fn cache_key(&self, req: &JsonRequest) -> String {
        use sha2::{Digest, Sha256};
        let p = self.params();
        let key = serde_json::json!({
            "model": p.model, "temperature": p.temperature, "seed": p.seed,
            "max_output_tokens": p.max_output_tokens,
            "system": req.system, "user": req.user, "schema": req.schema,
        });
        format!("{:x}.json", Sha256::digest(key.to_string().as_bytes()))
    }

    async fn call(
        &self,
        req: &JsonRequest,
    ) -> Result<(String, Option<FinishReason>, Option<(u32, u32)>), LlmError> {
        // `seed` is deprecated upstream but honoured by llama.cpp and other
        // local servers, where it makes answers repeatable.
        #[allow(deprecated)]
        let request = CreateChatCompletionRequest {
            model: self.config.model.clone(),
            messages: vec![
                ChatCompletionRequestMessage::System(ChatCompletionRequestSystemMessage::from(
                    req.system.as_str(),
                )),
                ChatCompletionRequestMessage::User(ChatCompletionRequestUserMessage::from(
                    req.user.as_str(),
                )),
            ],
            temperature: Some(TEMPERATURE),
            seed: Some(SEED),
            max_completion_tokens: Some(self.config.max_output_tokens),
            response_format: Some(ResponseFormat::JsonSchema {
                json_schema: ResponseFormatJsonSchema {
                    description: None,
                    name: req.schema_name.clone(),
                    schema: req.schema.clone(),
                    strict: Some(true),
                },
            }),
            ..Default::default()
        };
        let resp = self.client.chat().create(request).await.map_err(classify)?;
        let choice = resp
            .choices
            .into_iter()
            .next()
            .ok_or_else(|| LlmError::Malformed("no choices".into()))?;
        if let Some(r) = choice.message.refusal.filter(|r| !r.trim().is_empty()) {
            return Err(LlmError::Refused(r));
        }
        let usage = resp.usage.map(|u| (u.prompt_tokens, u.completion_tokens));
        Ok((
            choice.message.content.unwrap_or_default(),
            choice.finish_reason,
            usage,
        ))
    }
}

/// Writes a cache entry atomically; a cache that cannot be written is
/// only a missed saving.
fn store(path: &std::path::Path, raw: &str) {
    let Some(dir) = path.parent() else { return };
    let tmp = path.with_extension("partial");
    let ok = std::fs::create_dir_all(dir).is_ok()
        && std::fs::write(&tmp, raw).is_ok()
        && std::fs::rename(&tmp, path).is_ok();
    if !ok {
        tracing::warn!(path = %path.display(), "cannot write the language model cache");
    }
}

fn classify(e: OpenAIError) -> LlmError {
    match e {
        OpenAIError::ApiError(r) => {
            let status = r.status_code.as_u16();
            match status {
                429 => LlmError::RateLimited,
                500..=599 => LlmError::Server(status),
                _ => LlmError::Rejected {
                    status,
                    message: r.api_error.message.chars().take(300).collect(),
                },
            }
        }
        OpenAIError::Reqwest(e) if e.is_timeout() => LlmError::Timeout,
        OpenAIError::Reqwest(e) => LlmError::Unreachable(e.to_string()),
        OpenAIError::JSONDeserialize(e, _) => LlmError::Malformed(e.to_string()),
        other => LlmError::Malformed(other.to_string()),
    }
}

/// The answer must be one JSON object, not cut off.
fn parse_answer(raw: &str, finish: Option<FinishReason>) -> Result<serde_json::Value, LlmError> {
    let text = raw.trim();
    // Some servers wrap JSON in a Markdown fence despite the schema.
    let text = text
        .strip_prefix("```json")
        .or_else(|| text.strip_prefix("```"))
        .map(|t| t.trim_end().trim_end_matches("```").trim())
        .unwrap_or(text);
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(v) if v.is_object() => Ok(v),
        Ok(_) => Err(LlmError::Malformed("not a JSON object".into())),
        Err(_) if finish == Some(FinishReason::Length) => Err(LlmError::Truncated),
        Err(_) if text.is_empty() => Err(LlmError::Refused("empty answer".into())),
        Err(e) if e.is_eof() => Err(LlmError::Truncated),
        Err(e) => Err(LlmError::Malformed(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_classified() {
        assert!(parse_answer("{\"a\": 1}", Some(FinishReason::Stop)).is_ok());
        assert!(parse_answer("```json\n{\"a\": 1}\n```", None).is_ok());
        assert_eq!(
            parse_answer("{\"a\": [1, 2", Some(FinishReason::Length)),
            Err(LlmError::Truncated)
        );
        assert_eq!(
            parse_answer("{\"a\": [1, 2", None),
            Err(LlmError::Truncated)
        );
        assert!(matches!(
            parse_answer("I cannot help with that.", Some(FinishReason::Stop)),
            Err(LlmError::Malformed(_))
        ));
        assert!(matches!(parse_answer("", None), Err(LlmError::Refused(_))));
        assert!(matches!(
            parse_answer("[1]", None),
            Err(LlmError::Malformed(_))
        ));
    }

    #[test]
    fn only_transient_failures_are_retried() {
        assert!(LlmError::RateLimited.is_transient());
        assert!(LlmError::Server(503).is_transient());
        assert!(LlmError::Timeout.is_transient());
        assert!(!LlmError::Truncated.is_transient());
        assert!(
            !LlmError::Rejected {
                status: 400,
                message: String::new()
            }
            .is_transient()
        );
    }

    #[test]
    fn the_key_is_never_printed() {
        let c = LlmConfig {
            api_key: Some("sk-secret".into()),
            ..LlmConfig::default()
        };
        assert!(!format!("{c:?}").contains("sk-secret"));
    }

    #[test]
    fn token_estimates_count_cjk_per_character() {
        assert_eq!(estimate_tokens("abcdef"), 2);
        assert_eq!(estimate_tokens("重量"), 2);
    }
}
