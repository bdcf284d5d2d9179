//! HTTP clients of Prometheus' query API and Alertmanager's alert list.
//!
//! Both share one `Endpoint`: base URL, timeout, auth, extra headers and an optional
//! custom CA. Errors keep what a responder needs to act on: Prometheus' own text for a
//! query it refused, and "unreachable" or "timed out" apart from an HTTP error.

use super::alert::{AlertmanagerAlert, PrometheusAlerts};
use super::range::RangeWindow;
use super::series::{QueryData, Series};
use super::status::{
    AlertingRule, AlertmanagerStatus, Alertmanagers, BuildInfo, RawAlertmanagerStatus, RuleGroups,
};
use crate::config::{ServerConfig, ValueError, duration_value};
use crate::domain::Alert;
use crate::secret::Secret;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Certificate, StatusCode, Url};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::error::Error as _;
use std::time::Duration;

/// Why a request brought no data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Prometheus refused the query (HTTP 400 or 422): bad PromQL, too many points, a
    /// many-to-many match. `message` is Prometheus' own text, shown verbatim.
    #[error("{message}")]
    BadQuery { error_type: String, message: String },
    /// No connection: refused, DNS, TLS handshake, reset.
    #[error("{url} is unreachable: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("{url} did not answer within {timeout:?}")]
    Timeout { url: String, timeout: Duration },
    /// Any other non-2xx answer, with the server's error text or the start of its body.
    #[error("{url} answered HTTP {status}: {message}")]
    Http {
        url: String,
        status: u16,
        message: String,
    },
    /// A 2xx answer that is not the API's JSON.
    #[error("{url} answered something unexpected: {reason}")]
    Decode { url: String, reason: String },
}

/// A configured server: base URL and a reqwest client that carries timeout, TLS roots and
/// extra headers. Cheap to clone (the connection pool is shared).
#[derive(Debug, Clone)]
struct Endpoint {
    http: reqwest::Client,
    base: Url,
    auth: Auth,
    timeout: Duration,
}

#[derive(Debug, Clone)]
enum Auth {
    None,
    Basic { user: String, password: Secret },
    Bearer(Secret),
}

impl Endpoint {
    /// Checks `config` and builds the client; errors name `table` and the field.
    fn new(table: &str, config: &ServerConfig) -> Result<Endpoint, ValueError> {
        let fail =
            |field: &str, message: String| ValueError(format!("{table}: {field}: {message}"));
        let mut base = Url::parse(&config.url)
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https") && url.has_host())
            .ok_or_else(|| fail("url", format!("{:?} is not an http(s) URL", config.url)))?;
        // `join` replaces the last path segment unless the path ends in a slash.
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let timeout = duration_value(&config.timeout).map_err(|e| fail("timeout", e))?;
        let auth = match (&config.basic_auth, &config.bearer_token) {
            (Some(_), Some(_)) => {
                return Err(fail(
                    "bearer_token",
                    "set either basic_auth or bearer_token, not both".into(),
                ));
            }
            (Some(basic), None) => Auth::Basic {
                user: basic.user.clone(),
                password: basic.password.clone(),
            },
            (None, Some(token)) => Auth::Bearer(token.clone()),
            (None, None) => Auth::None,
        };
        let mut headers = HeaderMap::new();
        for (name, value) in &config.headers {
            let field = format!("headers.{name}");
            let name = HeaderName::try_from(name.as_str())
                .map_err(|_| fail(&field, "is not a valid header name".into()))?;
            let value = HeaderValue::try_from(value.as_str())
                .map_err(|_| fail(&field, "is not a valid header value".into()))?;
            headers.insert(name, value);
        }
        let mut builder = crate::tls::client_builder()
            .timeout(timeout)
            .default_headers(headers);
        if let Some(path) = &config.ca_file {
            let pem = std::fs::read(path)
                .map_err(|e| fail("ca_file", format!("{}: {e}", path.display())))?;
            let certs = Certificate::from_pem_bundle(&pem)
                .ok()
                .filter(|certs| !certs.is_empty())
                .ok_or_else(|| {
                    fail(
                        "ca_file",
                        format!("{}: no PEM certificate in it", path.display()),
                    )
                })?;
            builder = builder.tls_certs_merge(certs);
        } else if base.scheme() == "http" {
            // Plain HTTP needs no roots. Without this, a host with no system CA bundle (a
            // slim container, a bare bastion) could not even build a client for http://.
            builder = builder.tls_certs_only([]);
        }
        let http = builder.build().map_err(|e| {
            ValueError(format!(
                "{table}: cannot build an HTTP client: {}",
                chain(&e)
            ))
        })?;
        Ok(Endpoint {
            http,
            base,
            auth,
            timeout,
        })
    }

    /// GETs `path` (relative to the base URL) with `params`; returns status and body.
    async fn get(
        &self,
        path: &str,
        params: &[(&str, &str)],
    ) -> Result<(StatusCode, Vec<u8>), Error> {
        let mut url = self.base.join(path).map_err(|e| Error::Decode {
            url: self.base.to_string(),
            reason: e.to_string(),
        })?;
        if !params.is_empty() {
            url.query_pairs_mut().extend_pairs(params);
        }
        let request = match &self.auth {
            Auth::None => self.http.get(url),
            Auth::Basic { user, password } => {
                self.http.get(url).basic_auth(user, Some(password.expose()))
            }
            Auth::Bearer(token) => self.http.get(url).bearer_auth(token.expose()),
        };
        let response = request.send().await.map_err(|e| self.transport(e))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| self.transport(e))?;
        Ok((status, body.to_vec()))
    }

    fn transport(&self, error: reqwest::Error) -> Error {
        let url = self.base.to_string();
        if error.is_timeout() {
            Error::Timeout {
                url,
                timeout: self.timeout,
            }
        } else {
            Error::Unreachable {
                url,
                reason: chain(&error),
            }
        }
    }

    fn http_error(&self, status: StatusCode, message: String) -> Error {
        Error::Http {
            url: self.base.to_string(),
            status: status.as_u16(),
            message,
        }
    }

    fn decode<T: DeserializeOwned>(&self, body: &[u8]) -> Result<T, Error> {
        serde_json::from_slice(body).map_err(|e| self.decode_error(e.to_string()))
    }

    fn decode_error(&self, reason: String) -> Error {
        Error::Decode {
            url: self.base.to_string(),
            reason,
        }
    }
}

/// The causes of a reqwest error, which itself only says "error sending request".
fn chain(error: &reqwest::Error) -> String {
    let mut reasons = Vec::new();
    let mut source = error.source();
    while let Some(cause) = source {
        reasons.push(cause.to_string());
        source = cause.source();
    }
    if reasons.is_empty() {
        error.to_string()
    } else {
        reasons.join(": ")
    }
}

/// The start of a body that is not JSON, on one line: enough to recognise a proxy's page.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    line.chars().take(200).collect()
}

/// Every Prometheus API answer: `{"status":"success","data":...}` or
/// `{"status":"error","errorType":"bad_data","error":"..."}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope<T> {
    status: String,
    data: Option<T>,
    error_type: Option<String>,
    error: Option<String>,
}

/// Prometheus' HTTP API: instant and range queries and its active alerts.
#[derive(Debug, Clone)]
pub struct PrometheusClient {
    endpoint: Endpoint,
}

impl PrometheusClient {
    /// Builds a client from `[prometheus]`; a bad value is a [`ValueError`] naming it.
    pub fn new(config: &ServerConfig) -> Result<Self, ValueError> {
        Ok(PrometheusClient {
            endpoint: Endpoint::new("prometheus", config)?,
        })
    }

    /// An instant query at `time` (unix seconds; Prometheus' now when `None`).
    pub async fn query(&self, expr: &str, time: Option<i64>) -> Result<Vec<Series>, Error> {
        let time = time.map(|t| t.to_string());
        let mut params = vec![("query", expr)];
        params.extend(time.as_deref().map(|t| ("time", t)));
        self.series("api/v1/query", &params).await
    }

    /// A range query over `window`, one point per step.
    pub async fn query_range(
        &self,
        expr: &str,
        window: &RangeWindow,
    ) -> Result<Vec<Series>, Error> {
        let (start, end) = (window.start.to_string(), window.end.to_string());
        let step = window.step.as_secs().to_string();
        let params = [
            ("query", expr),
            ("start", &start),
            ("end", &end),
            ("step", &step),
        ];
        self.series("api/v1/query_range", &params).await
    }

    /// The label names of the series matching any of `selectors` within `[start, end]`
    /// (unix seconds): the metadata API's `labels`.
    pub async fn label_names(
        &self,
        selectors: &[&str],
        (start, end): (i64, i64),
    ) -> Result<Vec<String>, Error> {
        let params = metadata_params(selectors, start, end);
        self.data("api/v1/labels", &borrowed(&params)).await
    }

    /// The values `label` takes on the series matching any of `selectors` within
    /// `[start, end]`: the metadata API's `label/<name>/values`. `__name__` lists metric
    /// names.
    pub async fn label_values(
        &self,
        label: &str,
        selectors: &[&str],
        (start, end): (i64, i64),
    ) -> Result<Vec<String>, Error> {
        if label.is_empty() || !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(self
                .endpoint
                .decode_error(format!("{label:?} is not a label name")));
        }
        let params = metadata_params(selectors, start, end);
        let path = format!("api/v1/label/{label}/values");
        self.data(&path, &borrowed(&params)).await
    }

    /// Alerts Prometheus' rules hold now: pending and firing.
    pub async fn alerts(&self) -> Result<Vec<Alert>, Error> {
        let data: PrometheusAlerts = self.data("api/v1/alerts", &[]).await?;
        data.into_alerts()
            .map_err(|reason| self.endpoint.decode_error(reason))
    }

    /// The server's version (`/api/v1/status/buildinfo`): whether a URL is a Prometheus.
    pub async fn version(&self) -> Result<String, Error> {
        let info: BuildInfo = self.data("api/v1/status/buildinfo", &[]).await?;
        Ok(info.version)
    }

    /// Every alerting rule it evaluates.
    pub async fn alerting_rules(&self) -> Result<Vec<AlertingRule>, Error> {
        let groups: RuleGroups = self.data("api/v1/rules", &[("type", "alert")]).await?;
        Ok(groups.into_rules())
    }

    /// The Alertmanagers it sends alerts to, by the URL it posts them at.
    pub async fn alertmanagers(&self) -> Result<Vec<String>, Error> {
        let targets: Alertmanagers = self.data("api/v1/alertmanagers", &[]).await?;
        Ok(targets.into_urls())
    }

    async fn series(&self, path: &str, params: &[(&str, &str)]) -> Result<Vec<Series>, Error> {
        let data: QueryData = self.data(path, params).await?;
        data.into_series()
            .map_err(|reason| self.endpoint.decode_error(reason))
    }

    /// The `data` of a successful answer, or the error Prometheus reported.
    async fn data<T: DeserializeOwned>(
        &self,
        path: &str,
        params: &[(&str, &str)],
    ) -> Result<T, Error> {
        let (status, body) = self.endpoint.get(path, params).await?;
        let envelope = match serde_json::from_slice::<Envelope<T>>(&body) {
            Ok(envelope) => envelope,
            Err(_) if !status.is_success() => {
                return Err(self.endpoint.http_error(status, snippet(&body)));
            }
            Err(e) => return Err(self.endpoint.decode_error(e.to_string())),
        };
        let Envelope {
            status: answer,
            data,
            error_type,
            error,
        } = envelope;
        match (data, error) {
            (Some(data), _) if answer == "success" && status.is_success() => Ok(data),
            (_, Some(message))
                if matches!(
                    status,
                    StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY
                ) =>
            {
                Err(Error::BadQuery {
                    error_type: error_type.unwrap_or_default(),
                    message,
                })
            }
            (_, message) if !status.is_success() => Err(self
                .endpoint
                .http_error(status, message.unwrap_or_else(|| snippet(&body)))),
            (_, message) => Err(self.endpoint.decode_error(
                message.unwrap_or_else(|| format!("status {answer:?} without data")),
            )),
        }
    }
}

/// `match[]` once per selector, then the time range, for the metadata API.
fn metadata_params(selectors: &[&str], start: i64, end: i64) -> Vec<(&'static str, String)> {
    let mut params: Vec<_> = selectors
        .iter()
        .map(|selector| ("match[]", selector.to_string()))
        .collect();
    params.push(("start", start.to_string()));
    params.push(("end", end.to_string()));
    params
}

fn borrowed<'a>(params: &'a [(&'static str, String)]) -> Vec<(&'a str, &'a str)> {
    params.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Alertmanager's API v2: the alerts a responder should look at.
#[derive(Debug, Clone)]
pub struct AlertmanagerClient {
    endpoint: Endpoint,
}

impl AlertmanagerClient {
    /// Builds a client from `[alertmanager]`; a bad value is a [`ValueError`] naming it.
    pub fn new(config: &ServerConfig) -> Result<Self, ValueError> {
        Ok(AlertmanagerClient {
            endpoint: Endpoint::new("alertmanager", config)?,
        })
    }

    /// Its version and where it sends pages, from the configuration it runs.
    pub async fn status(&self) -> Result<AlertmanagerStatus, Error> {
        let (status, body) = self.endpoint.get("api/v2/status", &[]).await?;
        if !status.is_success() {
            return Err(self.endpoint.http_error(status, snippet(&body)));
        }
        let raw: RawAlertmanagerStatus = self.endpoint.decode(&body)?;
        Ok(raw.read())
    }

    /// Active alerts that are neither silenced nor inhibited: what is burning and not yet
    /// acknowledged by a silence. Alertmanager filters; nothing is dropped here.
    pub async fn alerts(&self) -> Result<Vec<Alert>, Error> {
        let params = [
            ("active", "true"),
            ("silenced", "false"),
            ("inhibited", "false"),
        ];
        let (status, body) = self.endpoint.get("api/v2/alerts", &params).await?;
        if !status.is_success() {
            return Err(self.endpoint.http_error(status, snippet(&body)));
        }
        let raw: Vec<AlertmanagerAlert> = self.endpoint.decode(&body)?;
        raw.into_iter()
            .map(|alert| {
                alert
                    .into_alert()
                    .map_err(|reason| self.endpoint.decode_error(reason))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::BasicAuth;

    fn config(url: &str) -> ServerConfig {
        ServerConfig::new(url)
    }

    fn refused(config: ServerConfig) -> String {
        PrometheusClient::new(&config).unwrap_err().to_string()
    }

    #[test]
    fn bad_server_config_names_the_table_and_the_field() {
        assert_eq!(
            refused(config("localhost:9090")),
            r#"prometheus: url: "localhost:9090" is not an http(s) URL"#
        );
        assert_eq!(
            refused(ServerConfig {
                timeout: "10".into(),
                ..config("http://p:9090")
            }),
            r#"prometheus: timeout: "10" is not a duration (use 30m, 1h, 6h)"#
        );
        assert_eq!(
            refused(ServerConfig {
                basic_auth: Some(BasicAuth {
                    user: "u".into(),
                    password: Secret::new("p"),
                }),
                bearer_token: Some(Secret::new("t")),
                ..config("http://p:9090")
            }),
            "prometheus: bearer_token: set either basic_auth or bearer_token, not both"
        );
        let header = |name: &str, value: &str| ServerConfig {
            headers: [(name.to_string(), value.to_string())].into(),
            ..config("http://p:9090")
        };
        assert_eq!(
            refused(header("X Org", "a")),
            "prometheus: headers.X Org: is not a valid header name"
        );
        assert_eq!(
            refused(header("X-Org", "a\nb")),
            "prometheus: headers.X-Org: is not a valid header value"
        );
        let missing = ServerConfig {
            ca_file: Some("/nonexistent/ca.pem".into()),
            ..config("https://p:9090")
        };
        let message = AlertmanagerClient::new(&missing).unwrap_err().to_string();
        assert!(
            message.starts_with("alertmanager: ca_file: /nonexistent/ca.pem: "),
            "{message}"
        );
    }

    #[test]
    fn a_ca_file_without_certificates_is_refused() {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), "not a certificate").unwrap();
        let message = refused(ServerConfig {
            ca_file: Some(file.path().into()),
            ..config("https://p:9090")
        });
        assert!(message.ends_with(": no PEM certificate in it"), "{message}");
    }

    #[test]
    fn secrets_are_not_printed_by_the_config_or_the_client() {
        let basic = ServerConfig {
            basic_auth: Some(BasicAuth {
                user: "warroom".into(),
                password: Secret::new("s3cret"),
            }),
            ..config("http://p:9090")
        };
        assert!(!format!("{basic:?}").contains("s3cret"));
        let printed = format!("{:?}", PrometheusClient::new(&basic).unwrap());
        assert!(
            printed.contains("warroom") && !printed.contains("s3cret"),
            "{printed}"
        );
        let bearer = ServerConfig {
            bearer_token: Some(Secret::new("t0k3n")),
            ..config("http://p:9090")
        };
        let printed = format!("{:?}", AlertmanagerClient::new(&bearer).unwrap());
        assert!(!printed.contains("t0k3n"), "{printed}");
    }

    #[test]
    fn a_path_prefix_is_kept() {
        let client = PrometheusClient::new(&config("http://p:9090/prom")).unwrap();
        let url = client.endpoint.base.join("api/v1/query").unwrap();
        assert_eq!(url.as_str(), "http://p:9090/prom/api/v1/query");
    }
}
