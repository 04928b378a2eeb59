//! Who is calling: the client certificate of the TLS connection, read once per connection
//! by the acceptor (`serve.rs`) and attached to every request on it. Handlers never touch
//! rustls.

use azmc_pki::{Certificate, Thumbprint};
use std::net::SocketAddr;
use std::sync::Arc;
use time::OffsetDateTime;

/// The management certificate a connection presented.
#[derive(Debug, Clone)]
pub struct ClientIdentity {
    pub thumbprint: Thumbprint,
    /// SHA-256 of the certificate's DER: authorisation compares it with the stored
    /// certificate's, so a SHA-1 collision cannot stand in for a linked certificate.
    pub sha256: [u8; 32],
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
}

impl ClientIdentity {
    /// From the peer's leaf certificate (DER). `None` when it cannot be parsed: such a
    /// caller is treated exactly like one without a certificate.
    pub fn from_der(der: &[u8]) -> Option<Self> {
        let cert = Certificate::from_der(der).ok()?;
        Some(Self {
            thumbprint: cert.thumbprint(),
            sha256: sha256(der),
            not_before: cert.not_before(),
            not_after: cert.not_after(),
        })
    }

    pub fn is_valid_at(&self, now: OffsetDateTime) -> bool {
        self.not_before <= now && now <= self.not_after
    }
}

/// SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// Per-connection facts attached to each request as an extension.
#[derive(Debug, Clone)]
pub struct Connection {
    /// The client certificate, if one was presented and parsed.
    pub identity: Option<Arc<ClientIdentity>>,
    pub peer: SocketAddr,
}

/// The `x-ms-request-id` of a request: 32 lower-case hex digits. Also the id of the
/// operation a mutating request creates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

impl RequestId {
    /// A fresh random id (fails only if the operating system has no entropy source).
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut b = [0u8; 16];
        getrandom::fill(&mut b)?;
        Ok(Self(b.iter().map(|x| format!("{x:02x}")).collect()))
    }
}

/// The key of a client address for per-client limits: IPv4 as is (an IPv4-mapped IPv6
/// address as IPv4), IPv6 by its /64 (what one host or household gets).
pub fn address_key(ip: std::net::IpAddr) -> std::net::IpAddr {
    use std::net::{IpAddr, Ipv6Addr};
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}
