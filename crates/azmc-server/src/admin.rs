//! What `azmc admin` does, as library functions over the database. They work whether or
//! not a server runs on the same database: a running server picks up certificate and
//! subscription changes through its index refresh (`auth.rs`).

use crate::domain::{self, Actor, Ctx, accounts, subscriptions};
use crate::error::ServerError;
use azmc_db::{Account, Db, Limits, LinkedCertificate, Subscription};
use azmc_pki::Certificate;
use time::OffsetDateTime;
use zeroize::Zeroizing;

/// A context for `azmc admin`: no server runs in this process.
fn offline(db: &Db, now: OffsetDateTime) -> Ctx<'_> {
    Ctx::offline(db, Limits::default(), now)
}

/// Creates a portal account (the username and password rules of `domain::accounts`).
pub async fn create_account(
    db: &Db,
    username: &str,
    email: Option<&str>,
    password: &str,
    now: OffsetDateTime,
) -> Result<Account, ServerError> {
    let password = Zeroizing::new(password.to_string());
    Ok(accounts::create(&offline(db, now), username, email, password).await?)
}

/// Sets an account's password and ends every portal session of the account (a reset by
/// the administrator is what follows a suspected compromise: a session signed in with the
/// old password must not outlive it).
pub async fn set_password(
    db: &Db,
    username: &str,
    password: &str,
    now: OffsetDateTime,
) -> Result<(), ServerError> {
    let ctx = offline(db, now);
    let password = Zeroizing::new(password.to_string());
    accounts::set_password(&ctx, username, password, None).await?;
    Ok(())
}

/// A new subscription (a random id unless one is given) administered by `admin`.
pub async fn create_subscription(
    db: &Db,
    name: &str,
    admin: &str,
    id: Option<&str>,
    now: OffsetDateTime,
) -> Result<Subscription, ServerError> {
    Ok(subscriptions::create(&offline(db, now), name, admin, id).await?)
}

/// Adds (`add`) or removes a co-administrator of a subscription.
pub async fn set_coadmin(
    db: &Db,
    subscription: &str,
    username: &str,
    add: bool,
    now: OffsetDateTime,
) -> Result<(), ServerError> {
    let ctx = offline(db, now);
    Ok(subscriptions::set_coadmin(&ctx, subscription, username, add).await?)
}

/// Link a certificate (`.cer` bytes, DER or PEM) to a subscription.
pub async fn add_certificate(
    db: &Db,
    subscription: &str,
    cer: &[u8],
    limits: &Limits,
    now: OffsetDateTime,
) -> Result<LinkedCertificate, ServerError> {
    let cert = Certificate::parse(cer).map_err(|e| ServerError::Config(e.to_string()))?;
    let ctx = Ctx::offline(db, *limits, now);
    let mut linked =
        domain::certificates::link(&ctx, &Actor::Admin, &[subscription], &cert).await?;
    linked.pop().ok_or_else(|| {
        ServerError::Other(format!("subscription {subscription}: nothing was linked"))
    })
}

/// Disables (`true`) or enables the link of the certificate `thumbprint` to
/// `subscription` (see [`domain::certificates::set_disabled`]), recorded in the
/// subscription's operation log as the administrator's. Running nodes follow within their
/// refresh interval. `Ok(false)` when it already was so.
pub async fn set_certificate_disabled(
    db: &Db,
    subscription: &str,
    thumbprint: &azmc_pki::Thumbprint,
    disabled: bool,
    now: OffsetDateTime,
) -> Result<bool, ServerError> {
    let ctx = Ctx::offline(db, Limits::default(), now);
    let id = crate::identity::RequestId::generate()
        .map_err(|e| ServerError::Other(format!("no randomness: {e}")))?
        .0;
    domain::operations::begin(
        &ctx,
        domain::operations::Started {
            id: &id,
            subscription,
            name: if disabled {
                "DisableSubscriptionCertificate"
            } else {
                "EnableSubscriptionCertificate"
            }
            .into(),
            object_id: format!("/{subscription}/certificates/{thumbprint}"),
            parameters: vec![("thumbprint".into(), thumbprint.to_string())],
            actor: &Actor::Admin,
            client_ip: None,
        },
    )
    .await?;
    let result = domain::certificates::set_disabled(&ctx, subscription, thumbprint, disabled).await;
    let outcome = match &result {
        Ok(_) => azmc_db::OperationOutcome::succeeded(200),
        Err(e @ domain::DomainError::NotFound { .. }) => {
            azmc_db::OperationOutcome::failed(404, "ResourceNotFound", e.to_string())
        }
        Err(_) => azmc_db::OperationOutcome::failed(500, "InternalError", "the change failed"),
    };
    domain::operations::finish(&ctx, &id, &outcome).await;
    Ok(result?)
}
