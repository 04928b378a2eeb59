//! Management-certificate links: the one implementation behind Add/Delete Management
//! Certificate (API), the portal's upload, delete and publish settings download,
//! `azmc admin subscription add-cert` and the first start's bootstrap certificate.
//!
//! Rules: a link names a certificate and one or more subscriptions and is made for all of
//! them or none; the per-subscription and per-service-administrator limits apply (in the
//! database transaction, so concurrent links cannot pass them); a certificate already
//! linked to one of them refuses the whole change; after any change this node's
//! authorisation index is reloaded before the caller is answered, so a deleted
//! certificate is refused on its very next request.

use super::{Actor, ConflictReason, Ctx, DomainError, ResourceKind};
use azmc_db::{CertificateRecord, DbError, Limit, LinkedCertificate};
use azmc_pki::{Certificate, Thumbprint};

/// The database record of a certificate.
pub fn record_of(cert: &Certificate) -> CertificateRecord {
    CertificateRecord {
        thumbprint: cert.thumbprint(),
        der: cert.der().to_vec(),
        subject: cert.subject().to_string(),
        not_before: cert.not_before(),
        not_after: cert.not_after(),
    }
}

/// Refuses, naming the subscription, when one of `subscriptions` has no room for another
/// management certificate. A friendlier early answer for a change that names several
/// subscriptions (call it before recording operations); [`link`] enforces the limits
/// anyway, in its transaction.
pub async fn check_room(ctx: &Ctx<'_>, subscriptions: &[&str]) -> Result<(), DomainError> {
    for s in subscriptions {
        let n = ctx.db.count_links(s).await.map_err(DomainError::from_db)?;
        if n >= u64::from(ctx.limits.per_subscription) {
            return Err(DomainError::Limit {
                limit: Limit::CertificatesPerSubscription,
                max: ctx.limits.per_subscription,
                subscription: Some((*s).to_string()),
            });
        }
    }
    Ok(())
}

/// Which of `subscriptions` the certificate is linked to already (a change that names
/// them is refused as a whole; [`link`] refuses it anyway, in its transaction, without
/// saying which). Call it before recording operations.
pub async fn already_linked<'s>(
    ctx: &Ctx<'_>,
    subscriptions: &[&'s str],
    thumbprint: &Thumbprint,
) -> Result<Vec<&'s str>, DomainError> {
    let mut linked = Vec::new();
    for s in subscriptions {
        match ctx.db.get_linked_certificate(s, thumbprint).await {
            Ok(_) => linked.push(*s),
            Err(DbError::NotFound { .. }) => {}
            Err(e) => return Err(DomainError::from_db(e)),
        }
    }
    Ok(linked)
}

/// Links `cert` to every subscription of `subscriptions` (all or nothing) for `actor`.
pub async fn link(
    ctx: &Ctx<'_>,
    actor: &Actor,
    subscriptions: &[&str],
    cert: &Certificate,
) -> Result<Vec<LinkedCertificate>, DomainError> {
    if subscriptions.is_empty() {
        return Err(DomainError::Invalid {
            field: "subscription",
            message: "choose at least one subscription".into(),
        });
    }
    let linked = ctx
        .db
        .link_certificate_to_all(
            subscriptions,
            &record_of(cert),
            &actor.created_by(),
            &ctx.limits,
            ctx.now,
        )
        .await
        .map_err(|e| match e {
            DbError::NotFound { .. } => DomainError::not_found(ResourceKind::Subscription),
            DbError::Conflict { .. } => {
                DomainError::Conflict(ConflictReason::CertificateAlreadyLinked {
                    thumbprint: cert.thumbprint(),
                    chosen: subscriptions.len(),
                })
            }
            DbError::Invalid(message) => DomainError::Invalid {
                field: "subscription",
                message,
            },
            other => DomainError::from_db(other),
        })?;
    reload_index(ctx).await?;
    Ok(linked)
}

/// Removes the link of `thumbprint` to `subscription` (the certificate itself goes when
/// its last link does). The certificate is refused on its very next request here.
pub async fn unlink(
    ctx: &Ctx<'_>,
    subscription: &str,
    thumbprint: &Thumbprint,
) -> Result<(), DomainError> {
    ctx.db
        .unlink_certificate(subscription, thumbprint)
        .await
        .map_err(|e| match e {
            DbError::NotFound { .. } => DomainError::not_found(ResourceKind::Certificate),
            other => DomainError::from_db(other),
        })?;
    reload_index(ctx).await
}

/// Disables (`true`) or enables the link of `thumbprint` to `subscription` without
/// deleting it: while disabled the certificate is refused like an unlinked one (on its
/// very next request here). `Ok(false)` when it already was so.
pub async fn set_disabled(
    ctx: &Ctx<'_>,
    subscription: &str,
    thumbprint: &Thumbprint,
    disabled: bool,
) -> Result<bool, DomainError> {
    let changed = ctx
        .db
        .set_link_disabled(subscription, thumbprint, disabled.then_some(ctx.now))
        .await
        .map_err(|e| match e {
            DbError::NotFound { .. } => DomainError::not_found(ResourceKind::Certificate),
            other => DomainError::from_db(other),
        })?;
    reload_index(ctx).await?;
    Ok(changed)
}

/// The certificates linked to `subscription`, oldest link first.
pub async fn list(
    ctx: &Ctx<'_>,
    subscription: &str,
) -> Result<Vec<LinkedCertificate>, DomainError> {
    ctx.db
        .list_linked_certificates(subscription)
        .await
        .map_err(DomainError::from_db)
}

/// When each certificate linked to `subscription` last authenticated a request
/// (thumbprint → time), as far as recorded.
pub async fn last_uses(
    ctx: &Ctx<'_>,
    subscription: &str,
) -> Result<std::collections::HashMap<Thumbprint, time::OffsetDateTime>, DomainError> {
    ctx.db
        .certificate_last_uses(subscription)
        .await
        .map_err(DomainError::from_db)
}

/// The certificate `thumbprint` as linked to `subscription`.
pub async fn get(
    ctx: &Ctx<'_>,
    subscription: &str,
    thumbprint: &Thumbprint,
) -> Result<LinkedCertificate, DomainError> {
    ctx.db
        .get_linked_certificate(subscription, thumbprint)
        .await
        .map_err(|e| match e {
            DbError::NotFound { .. } => DomainError::not_found(ResourceKind::Certificate),
            other => DomainError::from_db(other),
        })
}

/// Makes a link change visible to the very next request on this node.
async fn reload_index(ctx: &Ctx<'_>) -> Result<(), DomainError> {
    let Some(index) = ctx.index else {
        return Ok(());
    };
    index.refresh(ctx.db).await.map_err(|e| {
        tracing::error!(error = %e, "cannot refresh the certificate index");
        DomainError::Internal
    })
}
