//! AI suggestions through an OpenAI-compatible chat-completions endpoint the operator configures.
//! The server forwards what the device sends and keeps nothing of it.

use serde_json::json;

use crate::secrets::SecretText;

/// The operator's endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AiConfig {
    /// Base URL, such as `https://api.openai.com/v1`.
    pub base_url: String,
    /// Model name.
    pub model: String,
    /// Bearer key (may be empty for local servers).
    pub api_key: SecretText,
}

pub use together_core::wire::billing::IdeaKind;

/// Why the endpoint gave nothing usable.
#[derive(Debug, thiserror::Error)]
#[error("the AI service failed: {0}")]
pub struct AiError(pub String);

/// Asks for five suggestions of `kind` given `context` (what the couple chose to share).
pub async fn suggest(
    config: &AiConfig,
    kind: IdeaKind,
    context: &str,
) -> Result<Vec<String>, AiError> {
    let ask = match kind {
        IdeaKind::DateIdeas => "Suggest five date ideas for this couple",
        IdeaKind::ConversationStarters => "Suggest five warm conversation starters for this couple",
    };
    let body = json!({
        "model": config.model,
        "messages": [
            { "role": "system", "content": "You help couples spend good time together. Answer with one suggestion per line, no numbering." },
            { "role": "user", "content": format!("{ask}. About them: {context}") },
        ],
    });
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .map_err(|e| AiError(e.to_string()))?;
    let mut request = client
        .post(format!(
            "{}/chat/completions",
            config.base_url.trim_end_matches('/')
        ))
        .json(&body);
    if !config.api_key.expose().is_empty() {
        request = request.bearer_auth(config.api_key.expose());
    }
    let response = request.send().await.map_err(|e| AiError(e.to_string()))?;
    if !response.status().is_success() {
        return Err(AiError(format!("it answered {}", response.status())));
    }
    let answer: serde_json::Value = response.json().await.map_err(|e| AiError(e.to_string()))?;
    let text = answer
        .pointer("/choices/0/message/content")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| AiError("no message in its answer".into()))?;
    let suggestions: Vec<String> = text
        .lines()
        .map(|l| {
            l.trim()
                .trim_start_matches(['-', '*', '•'])
                .trim()
                .to_owned()
        })
        .filter(|l| !l.is_empty())
        .take(10)
        .collect();
    if suggestions.is_empty() {
        return Err(AiError("an empty answer".into()));
    }
    Ok(suggestions)
}
