//! The certificates of cloud services (Add/List/Get/Delete Service Certificate), and the
//! per-database key that seals their private keys.
//!
//! A certificate is added in two steps, as the asynchronous API demands: the request
//! stores it `Adding` (invisible), the job makes it `Ready`; a delete marks it `Deleting`
//! (invisible) and the job removes the row. The sealed private key is stored as given
//! (the server seals it; this crate never sees it in clear) and only read back by
//! [`Db::service_certificate_sealed_key`].

use azmc_pki::Thumbprint;
use time::OffsetDateTime;

use crate::convert::{from_micros, micros, sub_key, thumb_key, thumbprint};
use crate::db::{Db, fetch, tx_require_service, with_pool};
use crate::error::{DbError, ResourceKind};
use crate::hosted_services::service_key;

/// A certificate of a cloud service (never its private key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceCertificate {
    /// The cloud service's name as stored.
    pub service_name: String,
    pub thumbprint: Thumbprint,
    pub der: Vec<u8>,
    /// Whether a (sealed) private key is stored with it.
    pub has_private_key: bool,
    pub created_at: OffsetDateTime,
}

type CertRow = (String, String, Vec<u8>, bool, i64);

fn cert(row: CertRow) -> Result<ServiceCertificate, DbError> {
    let (service_name, thumb, der, has_private_key, created_at) = row;
    Ok(ServiceCertificate {
        service_name,
        thumbprint: thumbprint(&thumb)?,
        der,
        has_private_key,
        created_at: from_micros(created_at)?,
    })
}

macro_rules! select_cert {
    () => {
        "SELECT h.name, c.thumbprint, c.der, c.sealed_key IS NOT NULL, c.created_at \
         FROM service_certificates c JOIN hosted_services h ON h.name_key = c.service_key \
         WHERE h.subscription_id = $1 AND h.name_key = $2 AND c.status = 'Ready' "
    };
}

/// The rest of a `WHERE` that picks the certificate `$3` (thumbprint key) of the cloud
/// service `$2` (name key) of the subscription `$1`.
macro_rules! of_service {
    () => {
        "AND service_key = $2 AND thumbprint = $3 \
         AND EXISTS (SELECT 1 FROM hosted_services h \
                     WHERE h.name_key = $2 AND h.subscription_id = $1)"
    };
}

/// The status changes of a stored certificate.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// `Adding` (or already `Ready`) → `Ready`.
    Ready,
    /// `Ready` → `Deleting`.
    Deleting,
    /// `Deleting` → gone.
    Remove,
}

impl Step {
    /// The statement: `$1` subscription, `$2` service key, `$3` thumbprint key.
    fn sql(self) -> &'static str {
        match self {
            Step::Ready => concat!(
                "UPDATE service_certificates SET status = 'Ready' \
                 WHERE status IN ('Adding', 'Ready') ",
                of_service!()
            ),
            Step::Deleting => concat!(
                "UPDATE service_certificates SET status = 'Deleting' WHERE status = 'Ready' ",
                of_service!()
            ),
            Step::Remove => concat!(
                "DELETE FROM service_certificates WHERE status = 'Deleting' ",
                of_service!()
            ),
        }
    }
}

/// A certificate for [`Db::begin_add_service_certificate`].
#[derive(Debug, Clone, Copy)]
pub struct NewServiceCertificate<'a> {
    pub thumbprint: &'a Thumbprint,
    pub der: &'a [u8],
    /// The private key, sealed by the server (never stored in the clear).
    pub sealed_key: Option<&'a [u8]>,
    /// The job that makes it `Ready`, queued in the same transaction.
    pub job: Option<&'a crate::model::NewJob>,
}

impl Db {
    /// Takes one certificate of a cloud service a `step` further. [`DbError::NotFound`]
    /// ("certificate") if it is not in a state the step starts from (removing is
    /// idempotent: nothing to remove is fine).
    async fn step_cert(
        &self,
        step: Step,
        subscription_id: &str,
        service: &str,
        thumb: &Thumbprint,
    ) -> Result<(), DbError> {
        let n = with_pool!(self, |p| sqlx::query(step.sql())
            .bind(sub_key(subscription_id))
            .bind(service_key(service))
            .bind(thumb_key(thumb))
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        if n == 0 && !matches!(step, Step::Remove) {
            return Err(DbError::not_found(
                ResourceKind::Certificate,
                thumb.to_string(),
            ));
        }
        Ok(())
    }

    async fn require_service(&self, subscription_id: &str, service: &str) -> Result<(), DbError> {
        self.get_hosted_service(subscription_id, service)
            .await
            .map(|_| ())
    }

    /// Stores a certificate of a cloud service as `Adding` (not yet listed). Adding a
    /// certificate the service already has replaces its data and key (the thumbprint
    /// is the same, so is the certificate) and keeps it `Ready` if it was.
    /// [`DbError::NotFound`] ("hosted service").
    pub async fn begin_add_service_certificate(
        &self,
        subscription_id: &str,
        service: &str,
        new: &NewServiceCertificate<'_>,
        now: OffsetDateTime,
    ) -> Result<(), DbError> {
        let NewServiceCertificate {
            thumbprint: thumb,
            der,
            sealed_key,
            job,
        } = *new;
        let t = thumb_key(thumb);
        let sub = sub_key(subscription_id);
        let key = service_key(service);
        with_pool!(self, |p, d| {
            let mut tx = p.begin_with(d.begin_write()).await?;
            tx_require_service!(tx, &sub, &key, service);
            sqlx::query(
                "INSERT INTO service_certificates (service_key, thumbprint, der, sealed_key, \
                 status, created_at) VALUES ($1, $2, $3, $4, 'Adding', $5) \
                 ON CONFLICT (service_key, thumbprint) DO UPDATE SET der = excluded.der, \
                 sealed_key = COALESCE(excluded.sealed_key, service_certificates.sealed_key), \
                 status = CASE WHEN service_certificates.status = 'Ready' THEN 'Ready' \
                 ELSE 'Adding' END",
            )
            .bind(&key)
            .bind(&t)
            .bind(der)
            .bind(sealed_key)
            .bind(micros(now))
            .execute(&mut *tx)
            .await?;
            if let Some(job) = job {
                crate::jobs::tx_enqueue_job!(tx, job);
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Makes an added certificate `Ready` (idempotent). [`DbError::NotFound`]
    /// ("certificate") if it is not stored (its service was deleted meanwhile).
    pub async fn finish_add_service_certificate(
        &self,
        subscription_id: &str,
        service: &str,
        thumb: &Thumbprint,
    ) -> Result<(), DbError> {
        self.step_cert(Step::Ready, subscription_id, service, thumb)
            .await
    }

    /// The `Ready` certificates of a cloud service, by thumbprint. [`DbError::NotFound`]
    /// ("hosted service") if there is no such service.
    pub async fn list_service_certificates(
        &self,
        subscription_id: &str,
        service: &str,
    ) -> Result<Vec<ServiceCertificate>, DbError> {
        self.require_service(subscription_id, service).await?;
        let rows: Vec<CertRow> = fetch!(
            self,
            fetch_all,
            concat!(select_cert!(), "ORDER BY c.thumbprint"),
            [sub_key(subscription_id), service_key(service)]
        )?;
        rows.into_iter().map(cert).collect()
    }

    /// One `Ready` certificate. [`DbError::NotFound`] ("hosted service" or "certificate").
    pub async fn get_service_certificate(
        &self,
        subscription_id: &str,
        service: &str,
        thumb: &Thumbprint,
    ) -> Result<ServiceCertificate, DbError> {
        self.require_service(subscription_id, service).await?;
        let row: Option<CertRow> = fetch!(
            self,
            fetch_optional,
            concat!(select_cert!(), "AND c.thumbprint = $3"),
            [
                sub_key(subscription_id),
                service_key(service),
                thumb_key(thumb)
            ]
        )?;
        cert(row.ok_or_else(|| DbError::not_found(ResourceKind::Certificate, thumb.to_string()))?)
    }

    /// Marks a `Ready` certificate `Deleting` (no longer listed), with `job` (the one that
    /// removes it) queued in the same transaction. [`DbError::NotFound`] ("hosted service"
    /// or "certificate").
    pub async fn begin_delete_service_certificate(
        &self,
        subscription_id: &str,
        service: &str,
        thumb: &Thumbprint,
        job: Option<&crate::model::NewJob>,
    ) -> Result<(), DbError> {
        self.require_service(subscription_id, service).await?;
        crate::jobs::change_one_with_job!(
            self,
            Step::Deleting.sql(),
            [
                sub_key(subscription_id),
                service_key(service),
                thumb_key(thumb)
            ],
            DbError::not_found(ResourceKind::Certificate, thumb.to_string()),
            job
        )
    }

    /// Removes a `Deleting` certificate (idempotent: nothing to remove is fine).
    pub async fn finish_delete_service_certificate(
        &self,
        subscription_id: &str,
        service: &str,
        thumb: &Thumbprint,
    ) -> Result<(), DbError> {
        self.step_cert(Step::Remove, subscription_id, service, thumb)
            .await
    }

    /// The sealed private key stored with a certificate (any status), if any. Only for
    /// the server's own use (e.g. handing the key to a deployment); never sent to a client.
    pub async fn service_certificate_sealed_key(
        &self,
        subscription_id: &str,
        service: &str,
        thumb: &Thumbprint,
    ) -> Result<Option<Vec<u8>>, DbError> {
        let row: Option<(Option<Vec<u8>>,)> = fetch!(
            self,
            fetch_optional,
            "SELECT c.sealed_key FROM service_certificates c \
             JOIN hosted_services h ON h.name_key = c.service_key \
             WHERE h.subscription_id = $1 AND h.name_key = $2 AND c.thumbprint = $3",
            [
                sub_key(subscription_id),
                service_key(service),
                thumb_key(thumb)
            ]
        )?;
        row.map(|(k,)| k)
            .ok_or_else(|| DbError::not_found(ResourceKind::Certificate, thumb.to_string()))
    }

    /// The key that seals stored private keys, if one was ever stored.
    pub async fn sealing_key(&self) -> Result<Option<Vec<u8>>, DbError> {
        let row: Option<(Vec<u8>,)> = with_pool!(self, |p| {
            sqlx::query_as("SELECT key_bytes FROM sealing_key WHERE id = 1")
                .fetch_optional(p)
                .await?
        });
        Ok(row.map(|(k,)| k))
    }

    /// The key that seals stored private keys: the stored one, or `candidate` if none is
    /// stored yet (atomically: nodes starting together all get the first one written).
    pub async fn sealing_key_or_insert(&self, candidate: &[u8]) -> Result<Vec<u8>, DbError> {
        let (k,): (Vec<u8>,) = with_pool!(self, |p| {
            sqlx::query(
                "INSERT INTO sealing_key (id, key_bytes) VALUES (1, $1) ON CONFLICT (id) DO NOTHING",
            )
            .bind(candidate)
            .execute(p)
            .await?;
            sqlx::query_as("SELECT key_bytes FROM sealing_key WHERE id = 1")
                .fetch_one(p)
                .await?
        });
        Ok(k)
    }
}
