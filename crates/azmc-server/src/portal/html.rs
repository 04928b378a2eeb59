//! The page layout, shared fragments and the stylesheet. No inline script or style (the
//! CSP forbids both); every input has a label; tables use `th scope`.

use super::session::SignedIn;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use maud::{DOCTYPE, Markup, html};
use time::OffsetDateTime;

/// The navigation's entries: the page a user is on is marked (`aria-current="page"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Subscriptions,
    Certificates,
    Publish,
    Resources,
    Operations,
    Password,
    Trust,
    SignIn,
    /// An error or confirmation page: nothing is marked.
    Elsewhere,
}

const SIGNED_IN_NAV: [(Nav, &str, &str); 6] = [
    (Nav::Subscriptions, "/subscriptions", "Subscriptions"),
    (
        Nav::Certificates,
        "/certificates",
        "Management certificates",
    ),
    (Nav::Publish, "/publishsettings", "Publish settings"),
    (Nav::Resources, "/resources", "Resources"),
    (Nav::Operations, "/operations", "Operation log"),
    (Nav::Password, "/account/password", "Change password"),
];

const SIGNED_OUT_NAV: [(Nav, &str, &str); 2] = [
    (Nav::SignIn, "/signin", "Sign in"),
    (Nav::Trust, "/ca", "Trust this server"),
];

/// A whole page: the navigation (the signed-in one, or sign-in and trust links), then
/// `body` in `<main>`, with the user's pending message ([`SignedIn::flash`]) on top.
pub fn page(title: &str, user: Option<&SignedIn>, current: Nav, body: Markup) -> Html<String> {
    let entries: &[(Nav, &str, &str)] = if user.is_some() {
        &SIGNED_IN_NAV
    } else {
        &SIGNED_OUT_NAV
    };
    let doc = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · azmc portal" }
                link rel="stylesheet" href="/static/portal.css";
                script src="/static/portal.js" defer {}
            }
            body {
                a class="skip" href="#main" { "Skip to content" }
                header {
                    p class="brand" { "azmc portal" }
                    nav aria-label="Main" {
                        ul {
                            @for (nav, href, label) in entries {
                                li {
                                    @if *nav == current {
                                        a href=(href) aria-current="page" { (label) }
                                    } @else {
                                        a href=(href) { (label) }
                                    }
                                }
                            }
                        }
                    }
                    @if let Some(u) = user {
                        form class="signout" method="post" action="/signout" {
                            (csrf_field(&u.csrf))
                            span { "Signed in as " strong { (u.username) } " " }
                            button type="submit" class="secondary" { "Sign out" }
                        }
                    }
                }
                main id="main" tabindex="-1" {
                    (notice(user.and_then(|u| u.flash.as_deref())))
                    (body)
                }
                footer {
                    a href="/ca" { "Trust this server's certificate authority (ca.pem)" }
                }
            }
        }
    };
    Html(doc.into_string())
}

/// The hidden CSRF field every form carries.
pub fn csrf_field(token: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(token); }
}

/// `2030-01-01 10:00 UTC`: the portal's one date format (UTC, to the minute).
pub fn time_text(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// A time as [`time_text`] says it, kept on one line, with the exact time for machines.
pub fn time(t: OffsetDateTime) -> Markup {
    html! {
        time class="nowrap" datetime=(azmc_wire::asm::format_time(t)) { (time_text(t)) }
    }
}

/// A thumbprint in monospace groups of four (wrapping only between groups), with a copy
/// button added by the script; screen readers and copying get it whole.
pub fn thumbprint(t: &str) -> Markup {
    let groups: Vec<&str> = t
        .as_bytes()
        .chunks(4)
        .filter_map(|c| std::str::from_utf8(c).ok())
        .collect();
    html! {
        span class="id" data-copy=(t) {
            span class="sr" { (t) }
            span class="thumb" aria-hidden="true" {
                @for (i, g) in groups.iter().enumerate() {
                    @if i > 0 { " " }
                    span class="group" { (g) }
                }
            }
        }
    }
}

/// A long identifier (a GUID) in monospace, with a copy button added by the script.
pub fn ident(id: &str) -> Markup {
    html! { span class="id" data-copy=(id) { span class="mono" { (id) } } }
}

/// The first eight hex digits of a thumbprint, for telling certificates apart in words.
pub fn short_thumb(t: &str) -> &str {
    t.get(..8).unwrap_or(t)
}

/// A notice shown at the top of a page after an action (`?done=...`).
pub fn notice(text: Option<&str>) -> Markup {
    html! {
        @if let Some(t) = text {
            p class="notice" role="status" { (t) }
        }
    }
}

const CSS: &str = include_str!("portal.css");

const JS: &str = include_str!("portal.js");

pub async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        JS,
    )
}

pub async fn stylesheet() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], CSS)
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_read_as_utc_to_the_minute() {
        let t = time::macros::datetime!(2030-01-01 10:00:05 +02:00);
        assert_eq!(super::time_text(t), "2030-01-01 08:00 UTC");
        let m = super::time(t).into_string();
        assert!(m.contains("datetime=\"2030-01-01T08:00:05Z\""), "{m}");
        assert!(m.contains("class=\"nowrap\""), "{m}");
    }

    #[test]
    fn thumbprints_come_in_groups_of_four() {
        let t = "0123456789ABCDEF0123456789ABCDEF01234567";
        let m = super::thumbprint(t).into_string();
        assert_eq!(m.matches("class=\"group\"").count(), 10, "{m}");
        assert!(m.contains(&format!("data-copy=\"{t}\"")), "{m}");
        assert!(m.contains(">0123</span> <span"), "{m}");
        assert_eq!(super::short_thumb(t), "01234567");
    }

    /// WCAG contrast ratio of two `#rrggbb` colours.
    fn contrast(a: &str, b: &str) -> f64 {
        let lum = |hex: &str| {
            let c = |i: usize| {
                let v = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
                if v <= 0.03928 {
                    v / 12.92
                } else {
                    ((v + 0.055) / 1.055).powf(2.4)
                }
            };
            0.2126 * c(1) + 0.7152 * c(3) + 0.0722 * c(5)
        };
        let (x, y) = (lum(a), lum(b));
        (x.max(y) + 0.05) / (x.min(y) + 0.05)
    }

    /// The colour after `after` in the stylesheet's rule that starts with `rule`.
    fn colour_in(rule: &str, after: &str) -> String {
        let css = super::CSS;
        let r = &css[css.find(rule).unwrap_or_else(|| panic!("no rule {rule}"))..];
        let r = &r[..r.find('}').unwrap()];
        let at = r.find(after).unwrap_or_else(|| panic!("no {after} in {r}")) + after.len();
        r[at..at + 7].to_string()
    }

    #[test]
    fn the_focus_ring_stands_out_three_to_one() {
        assert!((contrast("#ffffff", "#000000") - 21.0).abs() < 0.01);
        let ring = colour_in("a:focus-visible", "outline:3px solid ");
        let page = colour_in(":root", "background:");
        assert!(contrast(&ring, &page) >= 3.0, "{ring} on {page}");
        let band = colour_in("header{", "background:");
        let header_ring = colour_in("header a:focus-visible", "outline-color:");
        assert!(
            contrast(&header_ring, &band) >= 3.0,
            "{header_ring} on {band}"
        );
        // The old ring (#f5a623 on white) did not.
        assert!(contrast("#f5a623", "#ffffff") < 3.0);
    }

    #[test]
    fn buttons_are_styled_and_destructive_ones_differ() {
        let primary = colour_in("button,.button{", "background:");
        let danger = colour_in("button.danger,.button.danger{", "background:");
        assert_ne!(primary, danger);
        assert!(
            contrast(&danger, "#ffffff") >= 4.5,
            "white text on {danger}"
        );
        assert!(
            contrast(&primary, "#ffffff") >= 4.5,
            "white text on {primary}"
        );
    }
}
