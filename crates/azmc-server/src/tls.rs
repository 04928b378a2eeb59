//! TLS: the server's local certificate authority, the server certificate it issues at every
//! start, and the rustls configurations of both listeners.
//!
//! The API listener *requests* a client certificate and accepts any one at the TLS layer
//! (self-signed management certificates chain to nothing), but rustls still verifies the
//! handshake signature, so the caller proves it holds the certificate's private key.
//! Authorisation by thumbprint happens per request (`auth.rs`). A connection without a
//! certificate is accepted too, so that it can be answered with the ASM 403 error rather
//! than a bare TLS alert.

use crate::error::ServerError;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, SanType, SerialNumber,
};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName as TlsName, SignatureScheme};
use std::net::IpAddr;
use std::sync::Arc;
use time::{Duration, OffsetDateTime};
use zeroize::Zeroizing;

/// The local CA: its certificate (PEM, what clients trust as `ca.pem`) and key.
pub struct LocalCa {
    pub cert_pem: String,
    key_der: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for LocalCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LocalCa(<key redacted>)")
    }
}

fn random_serial() -> Result<SerialNumber, ServerError> {
    let mut s = [0u8; 16];
    getrandom::fill(&mut s).map_err(|e| ServerError::Tls(format!("no randomness: {e}")))?;
    s[0] = (s[0] & 0x7f) | 0x40;
    Ok(SerialNumber::from_slice(&s))
}

fn tls_err(e: impl std::fmt::Display) -> ServerError {
    ServerError::Tls(e.to_string())
}

impl LocalCa {
    /// A new CA (ECDSA P-256, ten years).
    pub fn generate(now: OffsetDateTime) -> Result<Self, ServerError> {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(tls_err)?;
        let mut p = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        let mut tag = [0u8; 4];
        getrandom::fill(&mut tag).map_err(tls_err)?;
        let tag: String = tag.iter().map(|b| format!("{b:02x}")).collect();
        dn.push(DnType::CommonName, format!("azmc local CA {tag}"));
        p.distinguished_name = dn;
        p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        p.not_before = now - Duration::hours(1);
        p.not_after = now + Duration::days(3650);
        p.serial_number = Some(random_serial()?);
        let cert = p.self_signed(&key).map_err(tls_err)?;
        Ok(Self {
            cert_pem: cert.pem(),
            key_der: Zeroizing::new(key.serialize_der()),
        })
    }

    /// A CA loaded from storage.
    pub fn from_parts(cert_pem: String, key_der: Vec<u8>) -> Self {
        Self {
            cert_pem,
            key_der: Zeroizing::new(key_der),
        }
    }

    pub fn key_der(&self) -> &[u8] {
        &self.key_der
    }

    fn cert_der(&self) -> Result<CertificateDer<'static>, ServerError> {
        let c = azmc_pki::Certificate::from_pem(self.cert_pem.as_bytes()).map_err(tls_err)?;
        Ok(CertificateDer::from(c.der().to_vec()))
    }

    /// Issue a server certificate for these names (DNS names or IP addresses), valid one
    /// year. Returns the chain (leaf, CA) and the leaf key.
    pub fn issue_server_cert(
        &self,
        names: &[String],
        now: OffsetDateTime,
    ) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), ServerError> {
        let ca_key = KeyPair::try_from(self.key_der.as_slice()).map_err(tls_err)?;
        let ca_der = self.cert_der()?;
        let issuer = Issuer::from_ca_cert_der(&ca_der, ca_key).map_err(tls_err)?;
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(tls_err)?;
        let mut p = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(
            DnType::CommonName,
            names.first().cloned().unwrap_or_else(|| "localhost".into()),
        );
        p.distinguished_name = dn;
        for n in names {
            let san = match n.parse::<IpAddr>() {
                Ok(ip) => SanType::IpAddress(ip),
                Err(_) => SanType::DnsName(n.clone().try_into().map_err(|e| {
                    ServerError::Config(format!("--hostname {n:?} is not a valid DNS name: {e}"))
                })?),
            };
            if !p.subject_alt_names.contains(&san) {
                p.subject_alt_names.push(san);
            }
        }
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        p.not_before = now - Duration::hours(1);
        p.not_after = now + Duration::days(365);
        p.serial_number = Some(random_serial()?);
        let cert = p.signed_by(&key, &issuer).map_err(tls_err)?;
        let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        Ok((vec![cert.der().clone(), ca_der], key_der))
    }
}

/// The names every server certificate carries, plus the configured ones.
pub fn server_names(extra: &[String]) -> Vec<String> {
    let mut names: Vec<String> = extra.to_vec();
    for n in ["localhost", "127.0.0.1", "::1"] {
        if !names.iter().any(|x| x.eq_ignore_ascii_case(n)) {
            names.push(n.to_string());
        }
    }
    names
}

/// Accepts any client certificate (or none) at the TLS layer; verifies the handshake
/// signature with the presented certificate's key.
#[derive(Debug)]
struct AnyClientCert(WebPkiSupportedAlgorithms);

impl ClientCertVerifier for AnyClientCert {
    fn root_hint_subjects(&self) -> &[TlsName] {
        &[]
    }
    fn client_auth_mandatory(&self) -> bool {
        false
    }
    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// The API listener: TLS 1.2 and 1.3, client certificate requested, h2 and http/1.1.
pub fn api_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<rustls::ServerConfig, ServerError> {
    let provider = provider();
    let verifier = Arc::new(AnyClientCert(provider.signature_verification_algorithms));
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(tls_err)?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .map_err(tls_err)?;
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(cfg)
}

/// The portal listener: TLS without client certificates.
pub fn portal_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<rustls::ServerConfig, ServerError> {
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(tls_err)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(tls_err)?;
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(cfg)
}
