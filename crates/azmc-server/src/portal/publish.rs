//! Publish settings download, as the old portal did it: a page lists the user's
//! subscriptions, all pre-selected but visibly so; pressing the button (a POST; a GET
//! never creates anything) makes a fresh RSA-2048 management certificate, links it to
//! the chosen subscriptions in one transaction, and answers
//! `<Name>-<M-D-YYYY>-credentials.publishsettings` (schema 2.0, the API URL as endpoint,
//! the `legacy` PKCS#12 profile every client reads). The private key exists only in that
//! answer: the server keeps the public certificate.

use super::access::{active, chosen, subscriptions_of};
use super::certificates::{check_room, link_to};
use super::html::{self, csrf_field};
use super::session::{ISSUED_COOKIE, SignedIn, SignedPost, cookie, issued_cookie};
use super::{Portal, PortalError};
use crate::domain::{self, Ctx, DomainError, on_blocking_pool};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use azmc_db::{LinkedCertificate, Role, Subscription};
use azmc_pki::Thumbprint;
use azmc_pki::{KeyKind, NewCertificate, create_self_signed};
use azmc_wire::publishsettings::{PublishEntry, write};
use maud::html;

/// The publish settings certificate this browser made last ([`ISSUED_COOKIE`]), where it
/// is still linked to the user's subscriptions.
async fn issued(
    portal: &Portal,
    headers: &HeaderMap,
    mine: &[(Subscription, Role)],
) -> Result<Option<(LinkedCertificate, Vec<Subscription>)>, PortalError> {
    let Some(thumb) = cookie(headers, ISSUED_COOKIE).and_then(|t| t.parse::<Thumbprint>().ok())
    else {
        return Ok(None);
    };
    let ctx = Ctx::of(&portal.app);
    let mut found: Option<LinkedCertificate> = None;
    let mut subs = Vec::new();
    for (s, _) in mine {
        match domain::certificates::get(&ctx, &s.id, &thumb).await {
            Ok(c) => {
                found.get_or_insert(c);
                subs.push(s.clone());
            }
            Err(DomainError::NotFound { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(found.map(|c| (c, subs)))
}

pub async fn page(
    State(portal): State<Portal>,
    user: SignedIn,
    headers: HeaderMap,
) -> Result<impl IntoResponse, PortalError> {
    let mine = subscriptions_of(&portal, &user).await?;
    let (subs, disabled) = active(&mine);
    let made = issued(&portal, &headers, &mine).await?;
    Ok(html::page(
        "Download publish settings",
        Some(&user),
        html::Nav::Publish,
        html! {
            h1 { "Download publish settings" }
            @if let Some((c, in_subs)) = &made {
                @let t = c.certificate.thumbprint.to_string();
                section class="notice" aria-labelledby="issued" role="status" {
                    h2 id="issued" { "Your latest publish settings" }
                    p { "The file you downloaded holds a new management certificate:" }
                    dl {
                        dt { "Name" } dd { (c.certificate.subject) }
                        dt { "Thumbprint" } dd { (html::thumbprint(&t)) }
                        dt { "Subscriptions" } dd { (super::certificates::and_list(&in_subs.iter().map(|s| s.name.as_str()).collect::<Vec<_>>())) }
                        dt { "Created" } dd { (html::time(c.created_at)) }
                        dt { "Expires" } dd { (html::time(c.certificate.not_after)) }
                    }
                    p {
                        "Lost the file, or shared it by mistake? "
                        a class="button danger" href={ "/certificates/" (t) "/delete" } { "Revoke this certificate…" }
                    }
                }
            }
            p class="warning" role="note" {
                strong { "The file is a secret. " }
                "It holds a new management certificate with its private key: whoever has the file can manage the chosen subscriptions. "
                "Import it at once, for example with " code { "azmc account import FILE --ca-file ca.pem --delete-file" }
                " (which keeps the key in the local store, not exportable, and removes the file; "
                a href="/ca" { "get ca.pem here" } "). "
                "The server does not keep the private key; to revoke the file, delete its certificate under Management certificates."
            }
            @if subs.is_empty() {
                p { "You administer no active subscription." }
            } @else {
                form method="post" action="/publishsettings" data-issues {
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
                        @if !disabled.is_empty() {
                            p class="hint" { "Not offered, being disabled: " (super::certificates::and_list(&disabled.iter().map(|s| s.name.as_str()).collect::<Vec<_>>())) "." }
                        }
                    }
                    p { "A new management certificate is created and added to each selected subscription when you press the button. This page then shows it, with a way to revoke it (reload the page if it does not)." }
                    button type="submit" { "Download publish settings" }
                }
            }
        },
    ))
}

/// The most bytes of a certificate's common name (`ub-common-name`; the PKI refuses more).
const CN_MAX: usize = 64;

/// `s` cut to at most `max` bytes on a character boundary, with `…` where it was cut.
fn shorten(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let ellipsis = '…';
    let room = max.saturating_sub(ellipsis.len_utf8());
    let mut end = room;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{ellipsis}", s[..end].trim_end())
}

/// The common name of a publish settings certificate: `<names>-<M-D-YYYY>-credentials`,
/// as the old portal named it, within [`CN_MAX`] bytes. Too long, the names shrink
/// first (the date and `-credentials` stay): several subscriptions become
/// `<first> +N` (N the others), and a name still too long is cut with `…` on a
/// character boundary. Control characters become spaces.
fn cert_name(names: &[&str], date: &str) -> String {
    let suffix = format!("-{date}-credentials");
    let budget = CN_MAX.saturating_sub(suffix.len());
    let clean = |n: &str| -> String {
        let t: String = n
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        t.trim().to_string()
    };
    let names: Vec<String> = names.iter().map(|n| clean(n)).collect();
    let joined = names.join("-");
    let base = if joined.len() <= budget {
        joined
    } else if names.len() > 1 {
        let more = format!(" +{}", names.len() - 1);
        format!(
            "{}{more}",
            shorten(&names[0], budget.saturating_sub(more.len()))
        )
    } else {
        shorten(&joined, budget)
    };
    let base = if base.trim().is_empty() {
        "azmc".to_string()
    } else {
        base
    };
    format!("{base}{suffix}")
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
    let cert_name = cert_name(&names, &date);
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
    h.append(
        header::SET_COOKIE,
        issued_cookie(&cert.thumbprint().to_string()),
    );
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::{CN_MAX, cert_name, file_safe, shorten};
    use azmc_pki::{KeyKind, NewCertificate, create_self_signed};

    #[test]
    fn short_names_are_kept_whole() {
        assert_eq!(
            cert_name(&["Pay-As-You-Go"], "12-7-2026"),
            "Pay-As-You-Go-12-7-2026-credentials"
        );
        assert_eq!(
            cert_name(&["Alpha One", "Alpha Two"], "1-2-2030"),
            "Alpha One-Alpha Two-1-2-2030-credentials"
        );
        assert_eq!(cert_name(&[" \t"], "1-2-2030"), "azmc-1-2-2030-credentials");
    }

    #[test]
    fn long_and_non_ascii_names_fit_the_common_name() {
        let date = "12-31-2026";
        let long51 = "A subscription name of exactly fifty-one characters";
        assert_eq!(long51.len(), 51);
        let one = cert_name(&[long51], date);
        assert!(one.len() <= CN_MAX, "{one}");
        assert!(one.starts_with("A subscription name of"), "{one}");
        assert!(one.ends_with("…-12-31-2026-credentials"), "{one}");
        let many = cert_name(
            &["Production Europe West", "Staging Europe", "Test", "Dev"],
            date,
        );
        assert!(many.len() <= CN_MAX, "{many}");
        assert_eq!(many, "Production Europe West +3-12-31-2026-credentials");
        let wide = "Zoë's café – ünïcödé 日本語の購読".repeat(4);
        for names in [vec![wide.as_str()], vec![wide.as_str(), "x"], vec!["ü"; 40]] {
            let n = cert_name(&names, date);
            assert!(n.len() <= CN_MAX, "{n} is {} bytes", n.len());
            assert!(n.ends_with("-12-31-2026-credentials"), "{n}");
            assert!(n.starts_with("Zoë") || n.starts_with('ü'), "{n}");
            // The PKI takes it.
            let (cert, _) = create_self_signed(&NewCertificate {
                name: &n,
                key: KeyKind::P256,
                days: 1,
                now: time::macros::datetime!(2026-12-07 12:00 UTC),
            })
            .unwrap();
            assert_eq!(cert.common_name(), Some(n.as_str()));
        }
        assert_eq!(shorten("日本語", 7), "日…");
        assert_eq!(shorten("abc", 3), "abc");
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(file_safe("Pay-As-You-Go"), "Pay-As-You-Go");
        assert_eq!(file_safe("a/b\\c\"d"), "a-b-c-d");
        assert_eq!(file_safe("..."), "azmc");
        assert_eq!(file_safe(&"x".repeat(300)).len(), 100);
    }
}
