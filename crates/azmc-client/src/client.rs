//! The client: raw signed calls with retries, and the shared pieces of the typed calls.

use crate::config::ClientConfig;
use crate::error::{ClientError, Result};
use crate::retry::{RetryEvent, RetryPolicy, RetryReason, idempotent, jitter, parse_retry_after};
use crate::transport::{self, Response, SendError, Transport};
use azmc_wire::asm::{XmlError, parse_error};
use hyper::body::Bytes;
use hyper::http::Method;
use std::sync::Arc;
use std::time::Duration;

type RetryObserver = Arc<dyn Fn(&RetryEvent) + Send + Sync>;

/// A Service Management client for one subscription, authenticated by its management
/// certificate. Cheap to clone (clones share the connection).
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    transport: Transport,
    subscription: String,
    version: String,
    user_agent: String,
    retry: RetryPolicy,
    request_timeout: Duration,
    on_retry: std::sync::RwLock<Option<RetryObserver>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.inner.transport.endpoint().to_string())
            .field("subscription", &self.inner.subscription)
            .finish_non_exhaustive()
    }
}

/// A raw request: method, path below the endpoint (usually starting with
/// `/<subscription-id>`), extra headers, body.
#[derive(Debug, Clone)]
pub struct RawRequest {
    pub method: Method,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

impl RawRequest {
    pub fn new(method: Method, path: impl Into<String>) -> RawRequest {
        RawRequest {
            method,
            path: path.into(),
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    /// An XML body (`Content-Type: application/xml`).
    pub fn xml(mut self, body: impl Into<String>) -> RawRequest {
        self.headers
            .push(("Content-Type".into(), "application/xml".into()));
        self.body = Bytes::from(body.into());
        self
    }

    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> RawRequest {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// The result of a call that changes something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submitted {
    /// Done when the answer came (200/201/204).
    Done {
        request_id: Option<String>,
        status: u16,
    },
    /// Accepted (202): an asynchronous operation; follow it with
    /// [`Client::operation_status`] or [`Client::wait`].
    Accepted { request_id: String },
}

impl Submitted {
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Submitted::Done { request_id, .. } => request_id.as_deref(),
            Submitted::Accepted { request_id } => Some(request_id),
        }
    }
}

impl Client {
    /// A client for `config` (no connection is made until the first call).
    pub fn new(config: ClientConfig) -> Result<Client> {
        let transport = Transport::new(&config)?;
        if !is_subscription_id(&config.subscription) {
            return Err(ClientError::Config(format!(
                "subscription {:?}: not a subscription id (a GUID)",
                config.subscription
            )));
        }
        Ok(Client {
            inner: Arc::new(Inner {
                transport,
                subscription: config.subscription.to_ascii_lowercase(),
                version: config.version,
                user_agent: config.user_agent,
                retry: config.retry,
                request_timeout: config.request_timeout,
                on_retry: std::sync::RwLock::new(None),
            }),
        })
    }

    /// Call `observer` before each retry (to tell a user why a command is slow). Applies
    /// to every clone of this client.
    pub fn on_retry(&self, observer: impl Fn(&RetryEvent) + Send + Sync + 'static) {
        if let Ok(mut slot) = self.inner.on_retry.write() {
            *slot = Some(Arc::new(observer));
        }
    }

    /// The subscription id (lower case).
    pub fn subscription(&self) -> &str {
        &self.inner.subscription
    }

    /// `/<subscription>` + `rest`.
    pub fn path(&self, rest: &str) -> String {
        format!("/{}{rest}", self.inner.subscription)
    }

    /// Send a request as given (with `x-ms-version`, `Host`, `User-Agent` added unless
    /// present), retrying as the [`RetryPolicy`] says. Any HTTP status is returned as a
    /// [`Response`]; only transport failures are errors.
    pub async fn send(&self, request: &RawRequest) -> Result<Response> {
        let inner = &self.inner;
        let endpoint = inner.transport.endpoint();
        if !request.path.starts_with('/') {
            return Err(ClientError::Config(format!(
                "path {:?}: must start with '/'",
                request.path
            )));
        }
        let uri = format!("{}{}", endpoint.base(), request.path);
        let mut headers = request.headers.clone();
        let has =
            |h: &[(String, String)], n: &str| h.iter().any(|(k, _)| k.eq_ignore_ascii_case(n));
        if !has(&headers, "x-ms-version") {
            headers.push(("x-ms-version".into(), inner.version.clone()));
        }
        if !has(&headers, "host") {
            headers.push(("Host".into(), endpoint.authority()));
        }
        if !has(&headers, "user-agent") {
            headers.push(("User-Agent".into(), inner.user_agent.clone()));
        }
        let method = request.method.as_str().to_string();
        let mut attempt = 1u32;
        loop {
            let req = transport::build(&request.method, &uri, &headers, &request.body)?;
            let outcome = inner.transport.send(req, inner.request_timeout).await;
            let (reason, retry_after) = match outcome {
                Ok(resp) if transport::is_throttled(resp.status) => {
                    let after = resp.header("retry-after").and_then(parse_retry_after);
                    if attempt >= inner.retry.max_attempts {
                        return Ok(resp);
                    }
                    (
                        RetryReason::Throttled {
                            status: resp.status,
                        },
                        after,
                    )
                }
                Ok(resp) => return Ok(resp),
                Err(SendError::Connect(reason)) => {
                    if attempt >= inner.retry.max_attempts {
                        return Err(ClientError::Connect {
                            endpoint: endpoint.to_string(),
                            reason,
                        });
                    }
                    (RetryReason::Connect(reason), None)
                }
                Err(SendError::Transport(reason)) => {
                    if attempt >= inner.retry.max_attempts || !idempotent(&method) {
                        return Err(ClientError::Transport {
                            method,
                            path: request.path.clone(),
                            reason,
                        });
                    }
                    (RetryReason::Transport(reason), None)
                }
                Err(SendError::Handshake(reason)) => {
                    return Err(ClientError::Connect {
                        endpoint: endpoint.to_string(),
                        reason,
                    });
                }
                Err(SendError::Timeout) => {
                    return Err(ClientError::Timeout {
                        method,
                        path: request.path.clone(),
                        after: inner.request_timeout,
                    });
                }
                Err(SendError::TooLarge) => {
                    return Err(ClientError::BadResponse {
                        what: format!("{method} {}", request.path),
                        reason: format!(
                            "the answer is larger than {} bytes",
                            transport::MAX_RESPONSE_BYTES
                        ),
                    });
                }
            };
            let delay = inner.retry.delay(attempt, retry_after, jitter());
            let event = RetryEvent {
                method: method.clone(),
                path: request.path.clone(),
                attempt,
                max_attempts: inner.retry.max_attempts,
                reason,
                delay,
            };
            tracing::debug!(?event, "retrying");
            let observer = inner.on_retry.read().ok().and_then(|o| o.clone());
            if let Some(observe) = observer {
                observe(&event);
            }
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    /// Send and turn any status >= 400 into [`ClientError::Api`].
    pub async fn call(&self, request: &RawRequest) -> Result<Response> {
        let resp = self.send(request).await?;
        if resp.status >= 400 {
            return Err(api_error(&resp));
        }
        Ok(resp)
    }

    /// GET a path below the subscription and read the answer with `parse`.
    pub(crate) async fn get<T>(
        &self,
        rest: &str,
        what: &str,
        parse: impl FnOnce(&[u8]) -> Result<T, XmlError>,
    ) -> Result<T> {
        let resp = self
            .call(&RawRequest::new(Method::GET, self.path(rest)))
            .await?;
        parse(&resp.body).map_err(|e| ClientError::BadResponse {
            what: what.to_string(),
            reason: e.to_string(),
        })
    }

    /// A call that changes something: 200/201/204 → [`Submitted::Done`], 202 →
    /// [`Submitted::Accepted`] (with its request id).
    pub(crate) async fn submit(
        &self,
        method: Method,
        rest: &str,
        body: Option<String>,
    ) -> Result<Submitted> {
        let mut req = RawRequest::new(method, self.path(rest));
        if let Some(b) = body {
            req = req.xml(b);
        }
        let resp = self.call(&req).await?;
        let request_id = resp.request_id().map(str::to_string);
        if resp.status == 202 {
            let request_id = request_id.ok_or_else(|| ClientError::BadResponse {
                what: format!("{} {}", req.method, req.path),
                reason: "202 Accepted without x-ms-request-id".into(),
            })?;
            return Ok(Submitted::Accepted { request_id });
        }
        Ok(Submitted::Done {
            request_id,
            status: resp.status,
        })
    }
}

/// The ASM error of an answer (`<Error><Code/><Message/></Error>`), or the status text.
pub(crate) fn api_error(resp: &Response) -> ClientError {
    let request_id = resp.request_id().map(str::to_string);
    match parse_error(&resp.body) {
        Some(e) => ClientError::Api {
            status: resp.status,
            code: e.code,
            message: e.message,
            request_id,
        },
        None => {
            let reason = hyper::http::StatusCode::from_u16(resp.status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("error");
            let text = String::from_utf8_lossy(&resp.body[..resp.body.len().min(200)])
                .trim()
                .replace(['\r', '\n'], " ");
            ClientError::Api {
                status: resp.status,
                code: reason.replace(' ', ""),
                message: if text.is_empty() {
                    reason.to_string()
                } else {
                    text
                },
                request_id,
            }
        }
    }
}

/// A subscription id: a GUID (any case).
pub fn is_subscription_id(s: &str) -> bool {
    azmc_wire::asm::normalize_subscription_id(s).is_some()
}
