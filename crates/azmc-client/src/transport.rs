//! One HTTPS connection at a time: TCP, TLS 1.2/1.3 with the management certificate as
//! client certificate (rustls), HTTP/1.1 keep-alive (hyper). A dead connection is
//! replaced on the next request.

use crate::config::{ClientConfig, Endpoint, Identity, Trust};
use crate::error::{ClientError, Result};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::http::{HeaderMap, Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::Mutex;

/// Answers larger than this are refused (the largest ASM answers are operation lists).
pub(crate) const MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;

/// An answer as received.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Response {
    /// `x-ms-request-id`: the operation id of this request.
    pub fn request_id(&self) -> Option<&str> {
        self.header("x-ms-request-id")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// How a send failed: before anything was written (safe to repeat) or after.
#[derive(Debug)]
pub(crate) enum SendError {
    Connect(String),
    /// The TLS handshake failed in a way a retry cannot change (the server's
    /// certificate is not trusted or not for this host, or our certificate was refused).
    Handshake(String),
    Transport(String),
    Timeout,
    TooLarge,
}

pub(crate) struct Transport {
    endpoint: Endpoint,
    server_name: ServerName<'static>,
    connector: tokio_rustls::TlsConnector,
    connect_timeout: Duration,
    max_idle: Duration,
    /// The kept connection and when it last finished a request.
    conn: Mutex<Option<(SendRequest<Full<Bytes>>, tokio::time::Instant)>>,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Transport({})", self.endpoint)
    }
}

impl Transport {
    pub(crate) fn new(config: &ClientConfig) -> Result<Transport> {
        let tls = tls_client_config(&config.identity, &config.trust)?;
        let server_name = ServerName::try_from(config.endpoint.host().to_string())
            .map_err(|e| ClientError::Config(format!("endpoint {}: {e}", config.endpoint)))?;
        Ok(Transport {
            endpoint: config.endpoint.clone(),
            server_name,
            connector: tokio_rustls::TlsConnector::from(Arc::new(tls)),
            connect_timeout: config.connect_timeout,
            max_idle: config.max_idle,
            conn: Mutex::new(None),
        })
    }

    async fn connect(&self) -> Result<SendRequest<Full<Bytes>>, SendError> {
        let addr = (self.endpoint.host(), self.endpoint.port());
        let work = async {
            let tcp = TcpStream::connect(addr)
                .await
                .map_err(|e| SendError::Connect(e.to_string()))?;
            let _ = tcp.set_nodelay(true);
            let tls = self
                .connector
                .connect(self.server_name.clone(), tcp)
                .await
                .map_err(|e| {
                    if is_permanent_tls_failure(&e) {
                        SendError::Handshake(tls_reason(&e))
                    } else {
                        SendError::Connect(tls_reason(&e))
                    }
                })?;
            let (send, conn) = http1::handshake(TokioIo::new(tls))
                .await
                .map_err(|e| SendError::Connect(e.to_string()))?;
            tokio::spawn(async move {
                if let Err(e) = conn.await {
                    tracing::debug!("connection closed: {e}");
                }
            });
            Ok(send)
        };
        match tokio::time::timeout(self.connect_timeout, work).await {
            Ok(r) => r,
            Err(_) => Err(SendError::Connect(format!(
                "no connection within {} s",
                self.connect_timeout.as_secs()
            ))),
        }
    }

    /// Send one request on the kept connection (or a new one) and read the whole answer.
    pub(crate) async fn send(
        &self,
        request: Request<Full<Bytes>>,
        timeout: Duration,
    ) -> Result<Response, SendError> {
        let mut guard = self.conn.lock().await;
        let reusable = match guard.as_mut() {
            Some((s, last)) => {
                last.elapsed() < self.max_idle && !s.is_closed() && s.ready().await.is_ok()
            }
            None => false,
        };
        if !reusable {
            *guard = Some((self.connect().await?, tokio::time::Instant::now()));
        }
        let Some((sender, last)) = guard.as_mut() else {
            return Err(SendError::Connect("no connection".into()));
        };
        let work = async {
            let resp = sender
                .send_request(request)
                .await
                .map_err(|e| SendError::Transport(e.to_string()))?;
            let (parts, body) = resp.into_parts();
            let body = Limited::new(body, MAX_RESPONSE_BYTES)
                .collect()
                .await
                .map_err(|e| {
                    if e.downcast_ref::<http_body_util::LengthLimitError>()
                        .is_some()
                    {
                        SendError::TooLarge
                    } else {
                        SendError::Transport(e.to_string())
                    }
                })?
                .to_bytes();
            Ok(Response {
                status: parts.status.as_u16(),
                headers: parts.headers,
                body,
            })
        };
        let result = match tokio::time::timeout(timeout, work).await {
            Ok(r) => r,
            Err(_) => Err(SendError::Timeout),
        };
        if result.is_err() {
            // Never reuse a connection in an unknown state.
            *guard = None;
        } else {
            *last = tokio::time::Instant::now();
        }
        result
    }

    pub(crate) fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }
}

/// Whether a failed handshake would fail the same way again.
fn is_permanent_tls_failure(e: &std::io::Error) -> bool {
    let Some(inner) = e.get_ref() else {
        return false;
    };
    matches!(
        inner.downcast_ref::<rustls::Error>(),
        Some(
            rustls::Error::InvalidCertificate(_)
                | rustls::Error::AlertReceived(_)
                | rustls::Error::PeerIncompatible(_)
                | rustls::Error::NoCertificatesPresented
        )
    )
}

/// A TLS failure in words a user can act on.
fn tls_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    if text.contains("UnknownIssuer") {
        format!("the server's certificate is not trusted ({text}); give its CA file")
    } else if text.contains("NotValidForName") {
        format!("the server's certificate is not for this host name ({text})")
    } else {
        text
    }
}

/// Build the hyper request.
pub(crate) fn build(
    method: &Method,
    uri: &str,
    headers: &[(String, String)],
    body: &Bytes,
) -> Result<Request<Full<Bytes>>> {
    let mut b = Request::builder().method(method.clone()).uri(uri);
    for (k, v) in headers {
        b = b.header(k.as_str(), v.as_str());
    }
    b.body(Full::new(body.clone()))
        .map_err(|e| ClientError::Config(format!("{method} {uri}: bad request: {e}")))
}

/// Whether a status asks the client to come back later.
pub(crate) fn is_throttled(status: u16) -> bool {
    status == StatusCode::SERVICE_UNAVAILABLE.as_u16()
        || status == StatusCode::TOO_MANY_REQUESTS.as_u16()
}

/// The rustls client configuration azmc's client uses: `identity` as the TLS client
/// certificate (the management certificate), servers trusted through `trust`, the
/// aws-lc-rs provider with rustls' safe default protocol versions (TLS 1.2 and 1.3).
/// For programs that make their own connections (another HTTP client, a proxy).
pub fn tls_client_config(identity: &Identity, trust: &Trust) -> Result<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    match trust {
        Trust::SystemRoots => {
            let found = rustls_native_certs::load_native_certs();
            for c in found.certs {
                // A system root rustls cannot use is skipped, as browsers do.
                let _ = roots.add(c);
            }
            if roots.is_empty() {
                return Err(ClientError::Config(
                    "no usable system root certificates (give the server's CA file)".into(),
                ));
            }
        }
        Trust::Certificates(certs) => {
            for c in certs {
                roots
                    .add(CertificateDer::from(c.der().to_vec()))
                    .map_err(|e| {
                        ClientError::Config(format!("CA certificate {}: {e}", c.thumbprint()))
                    })?;
            }
        }
    }
    let chain = vec![CertificateDer::from(identity.certificate().der().to_vec())];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        identity.key().pkcs8_der().to_vec(),
    ));
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ClientError::Config(format!("TLS: {e}")))?
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .map_err(|e| {
            ClientError::Config(format!(
                "certificate {}: cannot be used for TLS: {e}",
                identity.certificate().thumbprint()
            ))
        })?;
    Ok(tls)
}
