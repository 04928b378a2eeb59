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

/// Random bytes for request ids, read from the operating system 4 KiB at a time (one
/// system call per 256 ids rather than one per request), per thread; each byte is used once.
struct RandomPool {
    bytes: [u8; 4096],
    used: usize,
}

thread_local! {
    static RANDOM_POOL: std::cell::RefCell<RandomPool> = const {
        std::cell::RefCell::new(RandomPool { bytes: [0; 4096], used: 4096 })
    };
}

impl RequestId {
    /// A fresh random id (fails only if the operating system has no entropy source).
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut b = [0u8; 16];
        RANDOM_POOL.with_borrow_mut(|pool| {
            if pool.used + b.len() > pool.bytes.len() {
                getrandom::fill(&mut pool.bytes)?;
                pool.used = 0;
            }
            let next = &mut pool.bytes[pool.used..pool.used + b.len()];
            b.copy_from_slice(next);
            // Spent: these bytes never serve again, not even after a failed refill.
            next.fill(0);
            pool.used += b.len();
            Ok::<(), getrandom::Error>(())
        })?;
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut s = String::with_capacity(32);
        for x in b {
            s.push(char::from(HEX[usize::from(x >> 4)]));
            s.push(char::from(HEX[usize::from(x & 15)]));
        }
        Ok(Self(s))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Ids are 32 lower-case hex digits, and none repeats across several refills of the
    /// pool (256 ids each), on more than one thread.
    #[test]
    fn request_ids_are_random_hex_and_do_not_repeat() {
        let ids = |n| {
            (0..n)
                .map(|_| RequestId::generate().unwrap().0)
                .collect::<Vec<_>>()
        };
        let other = std::thread::spawn(move || ids(1_000));
        let mut all = ids(1_000);
        all.extend(other.join().unwrap());
        for id in &all {
            assert_eq!(id.len(), 32, "{id}");
            assert!(
                id.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')),
                "{id}"
            );
        }
        let distinct: std::collections::HashSet<_> = all.iter().collect();
        assert_eq!(distinct.len(), all.len());
        // Not the zeroes a spent pool holds.
        assert!(!all.contains(&"0".repeat(32)));
    }
}
