//! The page layout, shared fragments and the stylesheet. No inline script or style (the
//! CSP forbids both); every input has a label; tables use `th scope`.

use super::session::SignedIn;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use maud::{DOCTYPE, Markup, html};
use time::OffsetDateTime;

/// A whole page: the navigation (when signed in), then `body` in `<main>`.
pub fn page(title: &str, user: Option<&SignedIn>, body: Markup) -> Html<String> {
    let doc = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · azmc portal" }
                link rel="stylesheet" href="/static/portal.css";
            }
            body {
                a class="skip" href="#main" { "Skip to content" }
                header {
                    p class="brand" { "azmc portal" }
                    @if let Some(u) = user {
                        nav aria-label="Main" {
                            ul {
                                li { a href="/subscriptions" { "Subscriptions" } }
                                li { a href="/certificates" { "Management certificates" } }
                                li { a href="/publishsettings" { "Publish settings" } }
                                li { a href="/resources" { "Resources" } }
                                li { a href="/operations" { "Operation log" } }
                                li { a href="/account/password" { "Change password" } }
                            }
                        }
                        form class="signout" method="post" action="/signout" {
                            (csrf_field(&u.csrf))
                            span { "Signed in as " strong { (u.username) } " " }
                            button type="submit" { "Sign out" }
                        }
                    }
                }
                main id="main" tabindex="-1" { (body) }
            }
        }
    };
    Html(doc.into_string())
}

/// The hidden CSRF field every form carries.
pub fn csrf_field(token: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(token); }
}

/// `2030-01-01 10:00:00 UTC` (the wire's `2030-01-01T10:00:00Z`, made readable).
pub fn time(t: OffsetDateTime) -> String {
    azmc_wire::asm::format_time(t)
        .replacen('T', " ", 1)
        .replace('Z', " UTC")
}

/// A notice shown at the top of a page after an action (`?done=...`).
pub fn notice(text: Option<&str>) -> Markup {
    html! {
        @if let Some(t) = text {
            p class="notice" role="status" { (t) }
        }
    }
}

const CSS: &str = "\
:root{font-family:system-ui,sans-serif;line-height:1.45;color:#1b1b1b;background:#fff}
body{margin:0}
header{display:flex;flex-wrap:wrap;align-items:center;gap:1rem;padding:.5rem 1rem;background:#0b3d62;color:#fff}
header a{color:#fff}
.brand{font-weight:700;margin:0}
nav ul{display:flex;flex-wrap:wrap;gap:1rem;list-style:none;margin:0;padding:0}
.signout{margin-left:auto}
main{padding:1rem 1.5rem;max-width:80rem}
table{border-collapse:collapse;margin:1rem 0;width:100%}
th,td{border:1px solid #bbb;padding:.3rem .5rem;text-align:left;vertical-align:top}
thead th{background:#eef2f6}
code,.mono{font-family:ui-monospace,monospace;font-size:.9em;word-break:break-all}
label{display:block;margin:.5rem 0 .2rem}
fieldset{margin:1rem 0}
fieldset label{display:inline;margin:0}
input[type=text],input[type=password],input[type=datetime-local],select{padding:.3rem;min-width:16rem}
button{padding:.35rem .9rem;cursor:pointer}
a:focus,button:focus,input:focus,select:focus,main:focus{outline:3px solid #f5a623;outline-offset:2px}
.skip{position:absolute;left:-999px}
.skip:focus{left:1rem;top:1rem;background:#fff;color:#000;padding:.5rem;z-index:1}
.error{color:#a00000;font-weight:600}
.notice{background:#e6f4ea;border:1px solid #5a9e6f;padding:.5rem}
.warning{background:#fff4e5;border:1px solid #d88c00;padding:.5rem}
.expired{color:#a00000;font-weight:600}
.expiring{color:#8a5300;font-weight:600}
.inline{display:inline}
";

pub async fn stylesheet() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], CSS)
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_read_as_utc() {
        let t = time::macros::datetime!(2030-01-01 10:00:05 +02:00);
        assert_eq!(super::time(t), "2030-01-01 08:00:05 UTC");
    }
}
