//! Publish settings download, as the old portal did it: a page lists the user's
//! subscriptions, all pre-selected but visibly so; pressing the button (a POST; a GET
//! never creates anything) makes a fresh RSA-2048 management certificate, links it to
//! the chosen subscriptions in one transaction, and answers
//! `<Name>-<M-D-YYYY>-credentials.publishsettings` (schema 2.0, the API URL as endpoint,
//! the `legacy` PKCS#12 profile every client reads). The private key exists only in that
//! answer: the server keeps the public certificate.

use super::access::{chosen, subscriptions_of};
use super::certificates::{check_room, link_to};
use super::html::{self, csrf_field};
use super::session::{SignedIn, SignedPost};
use super::{Portal, PortalError};
use crate::domain::{Ctx, DomainError, on_blocking_pool};
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use azmc_pki::{KeyKind, NewCertificate, create_self_signed};
use azmc_wire::publishsettings::{PublishEntry, write};
use maud::html;

pub async fn page(
    State(portal): State<Portal>,
    user: SignedIn,
) -> Result<impl IntoResponse, PortalError> {
    let subs = subscriptions_of(&portal, &user).await?;
    Ok(html::page(
        "Download publish settings",
        Some(&user),
        html! {
            h1 { "Download publish settings" }
            p class="warning" role="note" {
                strong { "The file is a secret. " }
                "It holds a new management certificate with its private key: whoever has the file can manage the chosen subscriptions. "
                "Import it at once, for example with " code { "azmc account import FILE --ca-file ca.pem --delete-file" }
                " (which keeps the key in the local store, not exportable, and removes the file). "
                "The server does not keep the private key; to revoke the file, delete its certificate under Management certificates."
            }
            @if subs.is_empty() {
                p { "You administer no subscription." }
            } @else {
                form method="post" action="/publishsettings" {
                    (csrf_field(&user.csrf))
                    fieldset {
                        legend { "Subscriptions in the file (all are selected; clear the ones you do not want)" }
                        @for (i, (s, _)) in subs.iter().enumerate() {
                            div {
                                input type="checkbox" id={ "sub" (i) } name="subscription" value=(s.id) checked;
                                " "
                                label for={ "sub" (i) } { (s.name) " " span class="mono" { "(" (s.id) ")" } }
                            }
                        }
                    }
                    p { "A new management certificate is created and added to each selected subscription when you press the button." }
                    button type="submit" { "Download publish settings" }
                }
            }
        },
    ))
}

/// A file-name-safe version of `s` (letters, digits, space, `-`, `_`, `.`, `(`, `)`).
fn file_safe(s: &str) -> String {
    let t: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || " -_.()".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(100)
        .collect();
    let t = t.trim_matches(|c| c == '.' || c == ' ').to_string();
    if t.is_empty() { "azmc".into() } else { t }
}

pub async fn download(
    State(portal): State<Portal>,
    SignedPost { user, form }: SignedPost,
) -> Result<Response, PortalError> {
    let mine = subscriptions_of(&portal, &user).await?;
    let subs = chosen(&mine, &form.all("subscription"))?;
    // Cheap refusals first: the key is made only for a download that can be linked.
    check_room(&portal, &subs).await?;
    if !portal.download_allowed(&user.username) {
        tracing::warn!(user = ?user.username, "portal: publish settings download refused: too many");
        return Err(PortalError::TooManyRequests {
            message: "Too many publish settings downloads for this account. Each one creates a new management certificate; try again later.".into(),
            retry_after: 3600 / u64::from(portal.app.config.portal.publish_per_hour.max(1)),
        });
    }
    let now = portal.app.clock.now();
    let date = format!("{}-{}-{}", u8::from(now.month()), now.day(), now.year());
    let names: Vec<&str> = subs.iter().map(|s| s.name.as_str()).collect();
    let name = file_safe(&names.join("-"));
    let cert_name = format!("{name}-{date}-credentials");
    let slots = Ctx::of(&portal.app).slots.map(|s| s.hashes);
    let (cert, key) = on_blocking_pool(slots, 1, "key generation", move || {
        create_self_signed(&NewCertificate {
            name: &cert_name,
            key: KeyKind::Rsa2048,
            days: 365,
            now,
        })
        .map_err(|e| {
            tracing::error!(error = %e, "cannot create a publish settings certificate");
            DomainError::Internal
        })
    })
    .await?;
    let entries: Vec<PublishEntry<'_>> = subs
        .iter()
        .map(|s| PublishEntry {
            id: &s.id,
            name: &s.name,
            endpoint: &portal.api_url,
            certificate: &cert,
            key: &key,
        })
        .collect();
    // Write the file before linking: a failure here leaves nothing behind.
    let xml = zeroize::Zeroizing::new(
        write(&entries).map_err(|e| PortalError::internal("writing publish settings", e))?,
    );
    drop(entries);
    drop(key); // zeroised on drop: from here on only the answer holds the key
    link_to(&portal, &user, &subs, &cert, "publishsettings").await?;
    tracing::info!(user = ?user.username, thumbprint = %cert.thumbprint(), subscriptions = subs.len(), "portal: publish settings issued");
    let filename = format!("{name}-{date}-credentials.publishsettings");
    let mut r = xml.as_bytes().to_vec().into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::file_safe;

    #[test]
    fn file_names_are_safe() {
        assert_eq!(file_safe("Pay-As-You-Go"), "Pay-As-You-Go");
        assert_eq!(file_safe("a/b\\c\"d"), "a-b-c-d");
        assert_eq!(file_safe("..."), "azmc");
        assert_eq!(file_safe(&"x".repeat(300)).len(), 100);
    }
}
