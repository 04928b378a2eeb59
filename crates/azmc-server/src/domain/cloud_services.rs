//! Cloud (hosted) services and their service certificates: the DNS-name rule, what create,
//! update and delete may refuse (a name taken anywhere, a service that still has
//! deployments), deletion with its media as an asynchronous operation, and service
//! certificates (read from `.pfx`/`.cer`, the private key sealed with
//! [`super::sealing`], added and deleted asynchronously). The wire checks of the fields
//! (label, description, extended properties, location) stay with the API door.

use super::{ConflictReason, Ctx, DomainError, ResourceKind, on_blocking_pool, sealing};
use crate::config::PfxLimits;
use crate::identity::RequestId;
use crate::jobs::{self, JobKind, JobResult};
use crate::state::AppState;
use azmc_db::{
    DbError, Deleted, HostedService, HostedServiceUpdate, NewHostedService, ServiceCertificate,
};
use azmc_pki::pkcs12::{self, ReadOptions};
use azmc_pki::{Certificate, PrivateKey, Thumbprint};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// A DNS label: 1–63 letters, digits and hyphens, not starting or ending with a hyphen.
pub fn valid_service_name(name: &str) -> bool {
    (1..=63).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// The name rule as the error of a create request.
pub fn check_service_name(name: &str) -> Result<(), DomainError> {
    if valid_service_name(name) {
        return Ok(());
    }
    Err(DomainError::Invalid {
        field: "ServiceName",
        message: format!(
            "ServiceName {name:?} is invalid: use 1 to 63 letters, digits and hyphens, not starting or ending with a hyphen."
        ),
    })
}

/// The answers of the database about a cloud service and what it holds (deployments and
/// service certificates). A missing subscription reads as a missing service.
pub(crate) fn db_error(e: DbError) -> DomainError {
    use azmc_db::ConflictReason as Stored;
    use azmc_db::ResourceKind as Kind;
    match e {
        DbError::NotFound {
            kind: Kind::AffinityGroup,
            id,
        } => DomainError::Invalid {
            field: "AffinityGroup",
            message: format!("AffinityGroup {id:?} does not exist in this subscription."),
        },
        DbError::NotFound {
            kind: Kind::Certificate,
            ..
        } => DomainError::not_found(ResourceKind::Certificate),
        DbError::NotFound {
            kind: Kind::Deployment,
            ..
        } => DomainError::not_found(ResourceKind::Deployment),
        // The request's operation, or its job: the server's own records, not the client's.
        e @ (DbError::NotFound {
            kind: Kind::Operation,
            ..
        }
        | DbError::Conflict {
            reason: Stored::Exists(Kind::Job),
            ..
        }) => DomainError::from_db(e),
        DbError::NotFound {
            kind: Kind::DeletedHostedService,
            id,
        } => DomainError::not_found_named(ResourceKind::DeletedHostedService, &id),
        DbError::Conflict {
            reason: Stored::AffinityGroupGone,
            id,
        } => DomainError::Conflict(ConflictReason::AffinityGroupGone { name: id }),
        DbError::NotFound { .. } => DomainError::not_found(ResourceKind::HostedService),
        DbError::Conflict {
            reason: Stored::Exists(Kind::HostedService),
            ..
        } => DomainError::Conflict(ConflictReason::DnsNameTaken),
        DbError::Conflict {
            reason: Stored::HasDeployments,
            ..
        } => DomainError::Conflict(ConflictReason::ServiceHasDeployments),
        DbError::Conflict {
            reason: Stored::SlotTaken,
            id,
        } => DomainError::Conflict(ConflictReason::SlotTaken { slot: id }),
        DbError::Conflict {
            reason: Stored::Exists(Kind::Deployment),
            id,
        } => DomainError::Conflict(ConflictReason::DeploymentExists { name: id }),
        other => DomainError::from_db(other),
    }
}

/// Creates the service `new.name`.
pub async fn create(ctx: &Ctx<'_>, new: &NewHostedService<'_>) -> Result<(), DomainError> {
    check_service_name(new.name)?;
    ctx.db
        .create_hosted_service(new, ctx.now)
        .await
        .map(|_| ())
        .map_err(db_error)
}

/// The services of `subscription`.
pub async fn list(ctx: &Ctx<'_>, subscription: &str) -> Result<Vec<HostedService>, DomainError> {
    ctx.db
        .list_hosted_services(subscription)
        .await
        .map_err(db_error)
}

/// The service `name`.
pub async fn get(
    ctx: &Ctx<'_>,
    subscription: &str,
    name: &str,
) -> Result<HostedService, DomainError> {
    ctx.db
        .get_hosted_service(subscription, name)
        .await
        .map_err(db_error)
}

/// Changes the label, description and extended properties of the service `name`.
pub async fn update(
    ctx: &Ctx<'_>,
    subscription: &str,
    name: &str,
    update: &HostedServiceUpdate,
) -> Result<(), DomainError> {
    ctx.db
        .update_hosted_service(subscription, name, update, ctx.now)
        .await
        .map(|_| ())
        .map_err(db_error)
}

/// Deletes the service `name`, refused while it has deployments. While the server keeps
/// deleted resources it stays restorable (properties and ready certificates) until
/// [`Ctx::keep_until`].
pub async fn delete(ctx: &Ctx<'_>, subscription: &str, name: &str) -> Result<(), DomainError> {
    ctx.db
        .delete_hosted_service(subscription, name, false, ctx.keep_until(), ctx.now)
        .await
        .map_err(db_error)
}

/// The subscription's deleted services that can still be restored, each with the number
/// of certificates a restore brings back.
pub async fn list_deleted(
    ctx: &Ctx<'_>,
    subscription: &str,
) -> Result<Vec<(Deleted<HostedService>, i64)>, DomainError> {
    ctx.db
        .list_deleted_hosted_services(subscription)
        .await
        .map_err(db_error)
}

/// Restores the deleted service `name` with its properties and the certificates it had
/// ready; its deployments are not restored. Refused when it was never deleted here (or
/// has been purged or created anew), when its affinity group is gone, or when the
/// subscription is at its cloud service limit.
pub async fn restore(
    ctx: &Ctx<'_>,
    subscription: &str,
    name: &str,
) -> Result<HostedService, DomainError> {
    ctx.db
        .restore_hosted_service(subscription, name, ctx.now)
        .await
        .map_err(db_error)
}

/// Marks the service `Deleting` and queues the operation `op` that removes it with its
/// deployments and certificates.
pub async fn delete_with_media(
    ctx: &Ctx<'_>,
    op: &RequestId,
    subscription: &str,
    name: &str,
) -> Result<(), DomainError> {
    let work = DeleteMedia {
        subscription: subscription.to_string(),
        service: name.to_string(),
    };
    let job = jobs::new_job(ctx, op, subscription, &work)?;
    ctx.db
        .mark_hosted_service_deleting(subscription, name, Some(&job))
        .await
        .map_err(db_error)
}

/// Whether `name` is free as a cloud service name: `Ok(None)` if so, else why not.
pub async fn unavailable_because(
    ctx: &Ctx<'_>,
    subscription: &str,
    name: &str,
) -> Result<Option<&'static str>, DomainError> {
    if !valid_service_name(name) {
        return Ok(Some(
            "The name must be 1 to 63 letters, digits and hyphens, not starting or ending with a hyphen.",
        ));
    }
    let free = ctx
        .db
        .hosted_service_name_available(subscription, name)
        .await
        .map_err(db_error)?;
    Ok((!free).then_some("A hosted service with the specified name already exists."))
}

/// `DELETE …/{svc}?comp=media`: remove the service with its deployments and certificates
/// (there are no disks or blobs to remove). Idempotent: a service already gone succeeds.
#[derive(Debug, Serialize, Deserialize)]
pub struct DeleteMedia {
    pub subscription: String,
    pub service: String,
}

impl JobKind for DeleteMedia {
    const KIND: &'static str = "DeleteHostedServiceMedia";
    async fn run(self, state: AppState) -> JobResult {
        match state
            .db
            .delete_hosted_service(
                &self.subscription,
                &self.service,
                true,
                Ctx::of(&state).keep_until(),
                state.clock.now(),
            )
            .await
        {
            Ok(()) | Err(DbError::NotFound { .. }) => JobResult::ok(),
            Err(e) => db_error(e).into(),
        }
    }
}

/// The file formats of Add Service Certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateFormat {
    /// PKCS#12 with a password (empty if none given).
    Pfx,
    /// An X.509 certificate, DER or PEM.
    Cer,
}

impl CertificateFormat {
    /// `pfx`/`.pfx`/`cer` in any case; none given means `pfx`.
    pub fn of(format: Option<&str>) -> Result<Self, DomainError> {
        let f = format
            .unwrap_or("pfx")
            .trim_start_matches('.')
            .to_ascii_lowercase();
        match f.as_str() {
            "pfx" => Ok(CertificateFormat::Pfx),
            "cer" => Ok(CertificateFormat::Cer),
            other => Err(DomainError::Invalid {
                field: "CertificateFormat",
                message: format!("CertificateFormat {other:?} is not supported: use pfx or cer."),
            }),
        }
    }
}

/// Reads the certificate (and, from a `.pfx`, its private key as PKCS#8) from `data`,
/// spending at most `limits` on key derivation.
fn read_certificate_file(
    data: &[u8],
    format: CertificateFormat,
    password: &str,
    limits: PfxLimits,
) -> Result<(Certificate, Option<PrivateKey>), DomainError> {
    let invalid = |message: String| DomainError::Invalid {
        field: "Data",
        message,
    };
    match format {
        // The classic azure-cli's `vm create --ssh-cert FILE.pem` uploads the PEM
        // certificate itself as `pfx`; Azure took it as a certificate without a key.
        CertificateFormat::Pfx
            if data
                .trim_ascii_start()
                .starts_with(b"-----BEGIN CERTIFICATE-----") =>
        {
            let cert = Certificate::from_pem(data)
                .map_err(|e| invalid(format!("Data is not an X.509 certificate: {e}")))?;
            Ok((cert, None))
        }
        CertificateFormat::Pfx => {
            let options = ReadOptions {
                max_iterations: Some(limits.max_iterations),
                work_budget: Some(limits.work_budget),
                ..ReadOptions::default()
            };
            let p12 = pkcs12::read(data, password, options).map_err(|e| match e {
                azmc_pki::PkiError::Unsupported(why) => invalid(format!(
                    "Data is a PKCS#12 (.pfx) file this server does not read: {why}."
                )),
                other => invalid(format!(
                    "Data could not be read as a PKCS#12 (.pfx) file with the given Password: {other}"
                )),
            })?;
            let cert = p12
                .certificate
                .ok_or_else(|| invalid("Data (a .pfx file) holds no certificate.".into()))?;
            Ok((cert, p12.key))
        }
        CertificateFormat::Cer => {
            let cert = Certificate::from_der(data)
                .or_else(|_| Certificate::from_pem(data))
                .map_err(|e| invalid(format!("Data is not an X.509 certificate (.cer): {e}")))?;
            Ok((cert, None))
        }
    }
}

/// How long a client is told to wait when every file-reading slot is taken.
const BUSY_RETRY_AFTER: u64 = 5;

/// [`read_certificate_file`] on the blocking pool, in one of the server's file-reading
/// slots (none free: [`DomainError::Busy`] at once), so a hostile file never holds an
/// async worker and other requests keep being answered.
async fn read_off_the_workers(
    ctx: &Ctx<'_>,
    data: Vec<u8>,
    format: CertificateFormat,
    password: Zeroizing<String>,
) -> Result<(Certificate, Option<PrivateKey>), DomainError> {
    let limits = ctx.slots.map_or_else(PfxLimits::default, |s| s.pfx);
    on_blocking_pool(
        ctx.slots.map(|s| s.files),
        BUSY_RETRY_AFTER,
        "certificate file",
        move || read_certificate_file(&data, format, &password, limits),
    )
    .await
}

/// `sha1-THUMBPRINT` (any case) → the thumbprint; anything else names no certificate.
pub fn parse_certificate_id(id: &str) -> Result<Thumbprint, DomainError> {
    let missing = || DomainError::not_found(ResourceKind::Certificate);
    let (alg, t) = id.split_once('-').ok_or_else(missing)?;
    if !alg.eq_ignore_ascii_case("sha1")
        || t.len() != 40
        || !t.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return Err(missing());
    }
    t.parse().map_err(|_| missing())
}

/// The `Ready` certificates of the service `service`.
pub async fn list_certificates(
    ctx: &Ctx<'_>,
    subscription: &str,
    service: &str,
) -> Result<Vec<ServiceCertificate>, DomainError> {
    ctx.db
        .list_service_certificates(subscription, service)
        .await
        .map_err(db_error)
}

/// The certificate `sha1-…` of the service `service`.
pub async fn get_certificate(
    ctx: &Ctx<'_>,
    subscription: &str,
    service: &str,
    id: &str,
) -> Result<ServiceCertificate, DomainError> {
    let thumb = parse_certificate_id(id)?;
    ctx.db
        .get_service_certificate(subscription, service, &thumb)
        .await
        .map_err(db_error)
}

/// Adds the certificate in `data` to the service (its private key sealed, with the
/// thumbprint as associated data) and queues the operation `op` that makes it visible.
/// A file that cannot be read is refused at once.
pub async fn add_certificate(
    ctx: &Ctx<'_>,
    op: &RequestId,
    subscription: &str,
    service: &str,
    (data, format, password): (Vec<u8>, CertificateFormat, Zeroizing<String>),
) -> Result<Thumbprint, DomainError> {
    let (cert, key) = read_off_the_workers(ctx, data, format, password).await?;
    let thumb = cert.thumbprint();
    let sealed = match &key {
        Some(k) => Some(sealing::seal(
            ctx,
            k.pkcs8_der(),
            thumb.to_string().as_bytes(),
        )?),
        None => None,
    };
    let work = AddCertificate(CertificateRef::new(subscription, service, thumb));
    let job = jobs::new_job(ctx, op, subscription, &work)?;
    ctx.db
        .begin_add_service_certificate(
            subscription,
            service,
            &azmc_db::NewServiceCertificate {
                thumbprint: &thumb,
                der: cert.der(),
                sealed_key: sealed.as_deref(),
                job: Some(&job),
            },
            ctx.now,
        )
        .await
        .map_err(db_error)?;
    Ok(thumb)
}

/// Marks the certificate `sha1-…` `Deleting` and queues the operation `op` that removes it.
pub async fn delete_certificate(
    ctx: &Ctx<'_>,
    op: &RequestId,
    subscription: &str,
    service: &str,
    id: &str,
) -> Result<(), DomainError> {
    let thumb = parse_certificate_id(id)?;
    let work = DeleteCertificate(CertificateRef::new(subscription, service, thumb));
    let job = jobs::new_job(ctx, op, subscription, &work)?;
    ctx.db
        .begin_delete_service_certificate(subscription, service, &thumb, Some(&job))
        .await
        .map_err(db_error)
}

/// The certificate a job works on.
#[derive(Debug, Serialize, Deserialize)]
pub struct CertificateRef {
    pub subscription: String,
    pub service: String,
    #[serde(with = "crate::jobs::by_name")]
    pub thumbprint: Thumbprint,
}

impl CertificateRef {
    fn new(subscription: &str, service: &str, thumbprint: Thumbprint) -> Self {
        CertificateRef {
            subscription: subscription.to_string(),
            service: service.to_string(),
            thumbprint,
        }
    }
}

/// Makes an added certificate visible. Idempotent.
#[derive(Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AddCertificate(pub CertificateRef);

impl JobKind for AddCertificate {
    const KIND: &'static str = "AddServiceCertificate";
    async fn run(self, state: AppState) -> JobResult {
        let c = self.0;
        JobResult::of(
            state
                .db
                .finish_add_service_certificate(&c.subscription, &c.service, &c.thumbprint)
                .await,
            DomainError::not_found(ResourceKind::HostedService),
        )
    }
}

/// Removes a deleted certificate. Idempotent.
#[derive(Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DeleteCertificate(pub CertificateRef);

impl JobKind for DeleteCertificate {
    const KIND: &'static str = "DeleteServiceCertificate";
    async fn run(self, state: AppState) -> JobResult {
        let c = self.0;
        JobResult::of(
            state
                .db
                .finish_delete_service_certificate(&c.subscription, &c.service, &c.thumbprint)
                .await,
            DomainError::not_found(ResourceKind::Certificate),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_names() {
        assert!(valid_service_name("a") && valid_service_name("my-svc-1"));
        assert!(valid_service_name(&"a".repeat(63)));
        assert!(!valid_service_name(&"a".repeat(64)));
        assert!(!valid_service_name("") && !valid_service_name("-a") && !valid_service_name("a-"));
        assert!(!valid_service_name("a_b") && !valid_service_name("a.b"));
    }

    #[test]
    fn certificate_ids_and_formats() {
        let t = "bea4b74bd6b915e9dd6a01fb1b8c3c1740f517f2";
        assert_eq!(
            parse_certificate_id(&format!("sha1-{t}"))
                .unwrap()
                .to_string(),
            t.to_ascii_uppercase()
        );
        assert!(parse_certificate_id(t).is_err());
        assert!(parse_certificate_id(&format!("md5-{t}")).is_err());
        assert!(parse_certificate_id("sha1-abc").is_err());
        assert_eq!(CertificateFormat::of(None).unwrap(), CertificateFormat::Pfx);
        assert_eq!(
            CertificateFormat::of(Some(".CER")).unwrap(),
            CertificateFormat::Cer
        );
        assert!(CertificateFormat::of(Some("p7b")).is_err());
    }

    #[test]
    fn a_pem_certificate_sent_as_pfx_is_read_without_a_key() {
        let (cert, _) = azmc_pki::create_self_signed(&azmc_pki::NewCertificate {
            name: "ssh",
            key: azmc_pki::KeyKind::Rsa2048,
            days: 1,
            now: time::macros::datetime!(2026-01-01 00:00 UTC),
        })
        .unwrap();
        let pem = format!("\n{}", cert.to_pem());
        let read = |data: &[u8]| {
            read_certificate_file(data, CertificateFormat::Pfx, "", PfxLimits::default())
        };
        let (got, key) = read(pem.as_bytes()).unwrap();
        assert_eq!(got.thumbprint(), cert.thumbprint());
        assert!(key.is_none());
        let broken = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert!(read(broken.as_bytes()).is_err());
        assert!(read(b"not a pfx").is_err());
    }
}
