//! A thin layer over reqwest for tests: send a request, get status, headers and JSON back.

use reqwest::header::HeaderMap;
use serde_json::Value;

/// A plain client, built as the crate builds its own (`tls::client_builder` installs the one
/// TLS provider, without which reqwest cannot build a client).
pub fn client() -> reqwest::Client {
    warroom::tls::client_builder()
        .build()
        .expect("an HTTP client")
}

/// What came back.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    /// The raw body, for byte-for-byte comparisons.
    pub text: String,
    /// The body parsed as JSON (`Value::Null` if it is not JSON).
    pub json: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// `error.code` of an error body.
    pub fn error_code(&self) -> &str {
        self.json["error"]["code"].as_str().unwrap_or("")
    }

    pub fn error_message(&self) -> &str {
        self.json["error"]["message"].as_str().unwrap_or("")
    }

    /// Asserts a JSON error with this status and code, showing the body otherwise.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(
            (self.status, self.error_code()),
            (status, code),
            "{}",
            self.text
        );
    }
}

/// Asks `url?QUERY` for each `(QUERY, said)` and checks that each is refused with a 400
/// `bad_request` whose message holds `said` (the field it names, what was wrong).
pub async fn assert_queries_refused(client: &reqwest::Client, url: &str, cases: &[(&str, &str)]) {
    for (query, said) in cases {
        let answer = send(client.get(format!("{url}?{query}"))).await;
        answer.assert_error(400, "bad_request");
        let message = answer.error_message();
        assert!(message.contains(said), "{query}: {message}");
    }
}

/// Sends and reads the whole answer; a transport error is a panic (use `try_send` to see it).
pub async fn send(request: reqwest::RequestBuilder) -> Answer {
    try_send(request).await.expect("the server answers")
}

/// Sends and reads the whole answer, or the transport error (connection refused, reset...).
pub async fn try_send(request: reqwest::RequestBuilder) -> Result<Answer, reqwest::Error> {
    let response = request.send().await?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await?;
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Ok(Answer {
        status,
        headers,
        text,
        json,
    })
}
