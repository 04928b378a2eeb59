//! How a [`crate::Client`] is set up: the endpoint, the management certificate it
//! authenticates with, which server certificates it trusts, how it retries.

use crate::error::{ClientError, Result};
use crate::retry::RetryPolicy;
use azmc_pki::{Certificate, PrivateKey};
use std::fmt;
use std::time::Duration;

/// The `x-ms-version` sent unless told otherwise (the newest version every operation of
/// the server accepts).
pub const DEFAULT_VERSION: &str = "2014-10-01";

/// A Service Management endpoint: `https://host[:port][/base]`, as in publish settings
/// (`https://management.core.windows.net/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    host: String,
    port: u16,
    base: String,
}

impl Endpoint {
    /// Parse an endpoint URL. Only `https` is accepted: the management certificate is the
    /// TLS client certificate. A query or fragment is refused.
    pub fn parse(url: &str) -> Result<Endpoint> {
        let bad = |why: &str| ClientError::Config(format!("endpoint {url:?}: {why}"));
        let rest = url
            .strip_prefix("https://")
            .or_else(|| {
                url.get(..8)
                    .filter(|p| p.eq_ignore_ascii_case("https://"))
                    .map(|_| &url[8..])
            })
            .ok_or_else(|| bad("must start with https://"))?;
        if rest.contains(['?', '#', ' ']) {
            return Err(bad("must not contain a query, fragment or space"));
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if authority.contains('@') {
            return Err(bad("must not contain user information"));
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, after) = v6.split_once(']').ok_or_else(|| bad("unclosed '['"))?;
            let port = match after {
                "" => None,
                p => Some(p.strip_prefix(':').ok_or_else(|| bad("bad port"))?),
            };
            (h, port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            }
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let port = match port {
            None => 443,
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| bad("bad port"))?,
        };
        Ok(Endpoint {
            host: host.to_ascii_lowercase(),
            port,
            base: path.trim_end_matches('/').to_string(),
        })
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The path prefix before `/<subscription-id>` (usually empty).
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The value of the `Host` header.
    pub(crate) fn authority(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == 443 {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "https://{}{}", self.authority(), self.base)
    }
}

/// The management certificate and its private key, presented as the TLS client
/// certificate. `Debug` never shows the key.
#[derive(Clone)]
pub struct Identity {
    certificate: Certificate,
    key: PrivateKey,
}

impl Identity {
    /// Pair a certificate with its key; refused if the key does not belong to it.
    pub fn new(certificate: Certificate, key: PrivateKey) -> Result<Identity> {
        if !key.matches(&certificate) {
            return Err(ClientError::Config(format!(
                "the private key does not belong to certificate {}",
                certificate.thumbprint()
            )));
        }
        Ok(Identity { certificate, key })
    }

    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    pub(crate) fn key(&self) -> &PrivateKey {
        &self.key
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Identity({}, key <redacted>)",
            self.certificate.thumbprint()
        )
    }
}

/// Which server certificates are trusted.
#[derive(Debug, Clone)]
pub enum Trust {
    /// The operating system's roots (what the live service needed).
    SystemRoots,
    /// Only these CA certificates (e.g. the `ca.pem` of an `azmc serve`).
    Certificates(Vec<Certificate>),
}

impl Trust {
    /// The certificates of a PEM bundle (`ca.pem`); `name` is used in errors.
    pub fn from_pem(name: &str, pem: &[u8]) -> Result<Trust> {
        let blocks = azmc_pki::pem::parse_all(pem)
            .map_err(|e| ClientError::Config(format!("{name}: {e}")))?;
        let mut certs = Vec::new();
        for b in blocks {
            if b.label == "CERTIFICATE" {
                certs.push(
                    Certificate::from_der(&b.der)
                        .map_err(|e| ClientError::Config(format!("{name}: {e}")))?,
                );
            }
        }
        if certs.is_empty() {
            return Err(ClientError::Config(format!(
                "{name}: no CERTIFICATE block in the file"
            )));
        }
        Ok(Trust::Certificates(certs))
    }
}

/// Everything a [`crate::Client`] needs.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub endpoint: Endpoint,
    /// The subscription id every typed call is made on.
    pub subscription: String,
    pub identity: Identity,
    pub trust: Trust,
    /// `x-ms-version` (default [`DEFAULT_VERSION`]).
    pub version: String,
    pub retry: RetryPolicy,
    /// Time for a TCP connection and TLS handshake.
    pub connect_timeout: Duration,
    /// Time for one whole request and its answer.
    pub request_timeout: Duration,
    /// A kept-alive connection idle longer than this is replaced, not reused: servers
    /// close idle connections (`azmc serve` after 30 s), and a request written into a
    /// connection the server is closing fails in a way a POST cannot safely retry.
    pub max_idle: Duration,
    pub user_agent: String,
}

impl ClientConfig {
    /// A configuration with the defaults: version [`DEFAULT_VERSION`], the default
    /// [`RetryPolicy`], 30 s to connect, 120 s per request, connections reused for 15 s.
    pub fn new(
        endpoint: Endpoint,
        subscription: impl Into<String>,
        identity: Identity,
        trust: Trust,
    ) -> ClientConfig {
        ClientConfig {
            endpoint,
            subscription: subscription.into(),
            identity,
            trust,
            version: DEFAULT_VERSION.to_string(),
            retry: RetryPolicy::default(),
            connect_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(120),
            max_idle: Duration::from_secs(15),
            user_agent: concat!("azmc/", env!("CARGO_PKG_VERSION")).to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_parse_as_publish_settings_write_them() {
        let e = Endpoint::parse("https://management.core.windows.net/").unwrap();
        assert_eq!(
            (e.host(), e.port(), e.base()),
            ("management.core.windows.net", 443, "")
        );
        assert_eq!(e.to_string(), "https://management.core.windows.net");
        let e = Endpoint::parse("HTTPS://127.0.0.1:9443/base/").unwrap();
        assert_eq!((e.host(), e.port(), e.base()), ("127.0.0.1", 9443, "/base"));
        assert_eq!(e.authority(), "127.0.0.1:9443");
        let e = Endpoint::parse("https://[::1]:8443").unwrap();
        assert_eq!((e.host(), e.port()), ("::1", 8443));
        assert_eq!(e.authority(), "[::1]:8443");
        for bad in [
            "http://x",
            "x",
            "https://",
            "https://:1",
            "https://h:0",
            "https://h:99999",
            "https://h/?q",
            "https://u@h",
            "https://[::1",
        ] {
            let err = Endpoint::parse(bad).unwrap_err().to_string();
            assert!(err.starts_with(&format!("endpoint {bad:?}")), "{err}");
        }
    }
}
