//! A small HTTPS client for the end-to-end tests and the benchmark: rustls (through
//! tokio-rustls) and a hyper 1 HTTP/1.1 client connection, with an optional client
//! certificate. A [`Conn`] is one keep-alive connection carrying many requests;
//! [`Client::send`] opens a fresh connection (a full TLS handshake) for one request.
//!
//! TLS session resumption is off, so every connection does a full handshake and presents
//! its certificate again (what the handshake benchmark measures, and what the
//! authorisation tests need).
#![allow(dead_code)] // shared with benches/api.rs, which uses only part of it

use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Bytes, Frame};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::http::{HeaderMap, HeaderValue, Method};
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// The `x-ms-version` every request carries unless told otherwise.
pub const VERSION: &str = "2014-10-01";

pub type Error = Box<dyn std::error::Error + Send + Sync>;
type ReqBody = BoxBody<Bytes, Infallible>;

/// A client for one server, with or without a client certificate.
#[derive(Clone)]
pub struct Client {
    connector: tokio_rustls::TlsConnector,
    addr: SocketAddr,
    server_name: ServerName<'static>,
    /// The local address to connect from (another loopback address plays another host).
    local: Option<std::net::IpAddr>,
}

/// The body of a request.
#[derive(Debug, Clone)]
enum Body {
    None,
    /// Sent with `Content-Length`.
    Full(Vec<u8>),
    /// Sent with `Transfer-Encoding: chunked`, one chunk per element.
    Chunked(Vec<Vec<u8>>),
}

/// A request: method, path (with query), headers, body. `x-ms-version` is set by default.
#[derive(Debug, Clone)]
pub struct Req {
    method: Method,
    path: String,
    headers: Vec<(String, String)>,
    body: Body,
}

impl Req {
    pub fn new(method: &str, path: &str) -> Req {
        Req {
            method: Method::from_bytes(method.as_bytes()).expect("a valid method"),
            path: path.to_string(),
            headers: vec![("x-ms-version".into(), VERSION.into())],
            body: Body::None,
        }
    }

    pub fn get(path: &str) -> Req {
        Req::new("GET", path)
    }

    pub fn post(path: &str, body: impl Into<Vec<u8>>) -> Req {
        Req::new("POST", path).body(body)
    }

    pub fn delete(path: &str) -> Req {
        Req::new("DELETE", path)
    }

    /// Add a header (replacing one of the same name).
    pub fn header(mut self, name: &str, value: &str) -> Req {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Drop a header (e.g. `x-ms-version`).
    pub fn without(mut self, name: &str) -> Req {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Req {
        self.body = Body::Full(body.into());
        self
    }

    /// A chunked body (`Transfer-Encoding: chunked`, no `Content-Length`).
    pub fn chunked(mut self, chunks: Vec<Vec<u8>>) -> Req {
        self.body = Body::Chunked(chunks);
        self
    }
}

/// What came back.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Response {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `x-ms-request-id` (panics if absent).
    pub fn request_id(&self) -> String {
        self.header("x-ms-request-id")
            .unwrap_or_else(|| panic!("no x-ms-request-id on {} {}", self.status, self.text()))
            .to_string()
    }
}

/// A chunked request body: no size hint, so hyper sends `Transfer-Encoding: chunked`.
struct Chunks(VecDeque<Bytes>);

impl hyper::body::Body for Chunks {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.get_mut().0.pop_front().map(|b| Ok(Frame::data(b))))
    }
}

impl Client {
    /// A client that trusts `ca_pem` (the server's `ca.pem`) and presents `identity`
    /// (certificate DER, PKCS#8 key DER) when given.
    pub fn new(addr: SocketAddr, ca_pem: &[u8], identity: Option<(&[u8], &[u8])>) -> Client {
        Client::with_versions(addr, ca_pem, identity, rustls::DEFAULT_VERSIONS)
    }

    /// As [`Client::new`], speaking only TLS 1.2 (as older client stacks do).
    pub fn tls12(addr: SocketAddr, ca_pem: &[u8], identity: Option<(&[u8], &[u8])>) -> Client {
        Client::with_versions(addr, ca_pem, identity, &[&rustls::version::TLS12])
    }

    fn with_versions(
        addr: SocketAddr,
        ca_pem: &[u8],
        identity: Option<(&[u8], &[u8])>,
        versions: &[&'static rustls::SupportedProtocolVersion],
    ) -> Client {
        let ca = azmc_pki::Certificate::from_pem(ca_pem).expect("ca.pem holds a certificate");
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from(ca.der().to_vec()))
            .expect("a usable CA certificate");
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(versions)
            .expect("TLS versions")
            .with_root_certificates(roots);
        let mut config = match identity {
            Some((cert, key)) => builder
                .with_client_auth_cert(
                    vec![CertificateDer::from(cert.to_vec())],
                    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.to_vec())),
                )
                .expect("a usable client certificate and key"),
            None => builder.with_no_client_auth(),
        };
        config.resumption = rustls::client::Resumption::disabled();
        Client {
            connector: tokio_rustls::TlsConnector::from(Arc::new(config)),
            addr,
            server_name: ServerName::IpAddress(addr.ip().into()),
            local: None,
        }
    }

    /// The same client, connecting from `ip` (e.g. `127.0.0.2`: another client address).
    pub fn connecting_from(mut self, ip: std::net::IpAddr) -> Client {
        self.local = Some(ip);
        self
    }

    /// A TLS connection with nothing sent on it yet (for raw bytes).
    pub async fn tls_stream(
        &self,
    ) -> Result<tokio_rustls::client::TlsStream<tokio::net::TcpStream>, Error> {
        let tcp = self.tcp().await?;
        Ok(self
            .connector
            .connect(self.server_name.clone(), tcp)
            .await?)
    }

    async fn tcp(&self) -> std::io::Result<tokio::net::TcpStream> {
        match self.local {
            None => tokio::net::TcpStream::connect(self.addr).await,
            Some(ip) => {
                let socket = tokio::net::TcpSocket::new_v4()?;
                socket.bind(SocketAddr::new(ip, 0))?;
                socket.connect(self.addr).await
            }
        }
    }

    /// Open a keep-alive connection (TCP + full TLS handshake + HTTP/1.1).
    pub async fn connect(&self) -> Result<Conn, Error> {
        let tcp = self.tcp().await?;
        tcp.set_nodelay(true)?;
        let tls = self
            .connector
            .connect(self.server_name.clone(), tcp)
            .await?;
        let (sender, connection) = http1::handshake(TokioIo::new(tls)).await?;
        let task = tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(Conn {
            sender,
            task,
            host: self.addr.to_string(),
        })
    }

    /// The status of a GET of `path` (on a new connection).
    pub async fn get_status(&self, path: &str) -> u16 {
        self.send(Req::get(path)).await.unwrap().status
    }

    /// One request on a fresh connection.
    pub async fn send(&self, req: Req) -> Result<Response, Error> {
        let mut conn = self.connect().await?;
        conn.send(req).await
    }
}

/// One keep-alive connection.
pub struct Conn {
    sender: SendRequest<ReqBody>,
    task: tokio::task::JoinHandle<()>,
    host: String,
}

impl Drop for Conn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Conn {
    /// Add Management Certificate: POST `body` to the subscription `s`'s certificates.
    pub async fn add_certificate(&mut self, s: &str, body: String) -> Response {
        let path = format!("/{s}/certificates");
        self.send(Req::post(&path, body)).await.unwrap()
    }

    /// List Management Certificates of the subscription `s`.
    pub async fn list_certificates(&mut self, s: &str) -> Response {
        self.send(Req::get(&format!("/{s}/certificates")))
            .await
            .unwrap()
    }

    /// Send a request and read the whole answer.
    pub async fn send(&mut self, req: Req) -> Result<Response, Error> {
        self.sender.ready().await?;
        let body: ReqBody = match req.body {
            Body::None => Empty::<Bytes>::new().boxed(),
            Body::Full(b) => Full::new(Bytes::from(b)).boxed(),
            Body::Chunked(chunks) => Chunks(chunks.into_iter().map(Bytes::from).collect()).boxed(),
        };
        let mut request = hyper::Request::builder()
            .method(req.method)
            .uri(req.path.as_str())
            .body(body)?;
        let headers = request.headers_mut();
        headers.insert(hyper::header::HOST, HeaderValue::from_str(&self.host)?);
        for (k, v) in &req.headers {
            headers.insert(
                hyper::header::HeaderName::from_bytes(k.as_bytes())?,
                HeaderValue::from_str(v)?,
            );
        }
        let resp = self.sender.send_request(request).await?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.into_body().collect().await?.to_bytes().to_vec();
        Ok(Response {
            status,
            headers,
            body,
        })
    }

    /// Whether the server has closed this connection.
    pub fn is_closed(&self) -> bool {
        self.sender.is_closed()
    }
}
