//! Access control: which subscriptions a signed-in user may see and act on, with which
//! role. A subscription the user has no role on does not exist for them (404), so the
//! portal never reveals other users' subscriptions.

use super::session::SignedIn;
use super::{Portal, PortalError};
use crate::domain::{Ctx, subscriptions};
use azmc_db::{Role, Subscription, SubscriptionStatus};

/// The user's subscriptions with their role: service administrator ones first.
pub async fn subscriptions_of(
    portal: &Portal,
    user: &SignedIn,
) -> Result<Vec<(Subscription, Role)>, PortalError> {
    Ok(subscriptions::of_user(&Ctx::of(&portal.app), &user.username).await?)
}

/// The subscription `id` with the user's role on it; [`PortalError::NotFound`] if they
/// have none.
pub async fn role_on(
    portal: &Portal,
    user: &SignedIn,
    id: &str,
) -> Result<(Subscription, Role), PortalError> {
    subscriptions_of(portal, user)
        .await?
        .into_iter()
        .find(|(s, _)| s.id.eq_ignore_ascii_case(id.trim()))
        .ok_or(PortalError::NotFound)
}

/// The subscriptions a form selected, each of which must be the user's (else
/// [`PortalError::NotFound`]); duplicates are dropped; none selected is a
/// [`PortalError::BadRequest`].
pub fn chosen(
    mine: &[(Subscription, Role)],
    ids: &[&str],
) -> Result<Vec<Subscription>, PortalError> {
    let mut out: Vec<Subscription> = Vec::new();
    for id in ids {
        let s = mine
            .iter()
            .find(|(s, _)| s.id.eq_ignore_ascii_case(id.trim()))
            .ok_or(PortalError::NotFound)?;
        if s.0.status == SubscriptionStatus::Disabled {
            return Err(PortalError::BadRequest(format!(
                "{} is disabled: it takes no new management certificate.",
                s.0.name
            )));
        }
        if !out.iter().any(|o| o.id == s.0.id) {
            out.push(s.0.clone());
        }
    }
    if out.is_empty() {
        return Err(PortalError::BadRequest(
            "Choose at least one subscription.".into(),
        ));
    }
    Ok(out)
}

/// The user's subscriptions split into active ones (offered for uploads and downloads)
/// and disabled ones.
pub fn active(mine: &[(Subscription, Role)]) -> (Vec<&(Subscription, Role)>, Vec<&Subscription>) {
    let (on, off): (Vec<_>, Vec<_>) = mine
        .iter()
        .partition(|(s, _)| s.status != SubscriptionStatus::Disabled);
    (on, off.into_iter().map(|(s, _)| s).collect())
}

/// A role's name as the old portal showed it.
pub fn role_name(r: Role) -> &'static str {
    match r {
        Role::ServiceAdministrator => "Service administrator",
        Role::CoAdministrator => "Co-administrator",
    }
}
