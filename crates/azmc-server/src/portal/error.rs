//! The portal's one error type and its mapping to HTML pages with status codes. Messages
//! meant for the user are shown; internal failures are logged where they happen and
//! answered with a generic page.

use super::Portal;
use super::html::{self, Nav};
use super::session::{SESSION_COOKIE, SignedIn, cookie};
use crate::domain::DomainError;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use azmc_db::DbError;
use maud::html;

/// Why a portal request did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    /// No valid session: go to the sign-in page, then back to `next`.
    #[error("sign-in required")]
    SignInRequired { next: String },
    /// The form cannot be trusted (CSRF token, origin) or the user's role does not allow
    /// the action.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// No such page, or a subscription or certificate the user has no access to.
    #[error("not found")]
    NotFound,
    /// The request is wrong in a way the user can fix; the message says how.
    #[error("{0}")]
    BadRequest(String),
    /// The change conflicts with the current state (already linked, limit reached, ...).
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    TooLarge(String),
    /// Too many sign-in attempts.
    #[error("{message}")]
    TooManyRequests { message: String, retry_after: u64 },
    /// Wrong username or password.
    #[error("The username or password is incorrect.")]
    BadCredentials,
    /// Logged where it happened; the user sees a generic page.
    #[error("internal error")]
    Internal,
}

impl PortalError {
    /// Map a database error: "not found" stays not found, anything else is logged and
    /// becomes a generic internal error.
    pub fn db(e: DbError) -> PortalError {
        match e {
            DbError::NotFound { .. } => PortalError::NotFound,
            other => {
                tracing::error!(error = %other, "portal: database failure");
                PortalError::Internal
            }
        }
    }

    pub fn internal(what: &str, e: impl std::fmt::Display) -> PortalError {
        tracing::error!(error = %e, "portal: {what}");
        PortalError::Internal
    }

    fn status(&self) -> StatusCode {
        match self {
            PortalError::SignInRequired { .. } => StatusCode::SEE_OTHER,
            PortalError::Forbidden(_) => StatusCode::FORBIDDEN,
            PortalError::NotFound => StatusCode::NOT_FOUND,
            PortalError::BadRequest(_) => StatusCode::BAD_REQUEST,
            PortalError::Conflict(_) => StatusCode::CONFLICT,
            PortalError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            PortalError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            PortalError::BadCredentials => StatusCode::UNAUTHORIZED,
            PortalError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// The one mapping of domain answers to portal pages.
impl From<DomainError> for PortalError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::NotFound { .. } => PortalError::NotFound,
            DomainError::Conflict(reason) => PortalError::Conflict(reason.to_string()),
            DomainError::Limit { limit, max, .. } => PortalError::Conflict(format!(
                "Limit reached: at most {max} {limit}. Delete a management certificate before adding another."
            )),
            DomainError::Invalid { message, .. } => PortalError::BadRequest(message),
            DomainError::Busy { retry_after } => PortalError::TooManyRequests {
                message: "The server is busy. Try again in a few seconds.".into(),
                retry_after,
            },
            DomainError::Unavailable | DomainError::Internal => PortalError::Internal,
        }
    }
}

impl IntoResponse for PortalError {
    fn into_response(self) -> Response {
        if let PortalError::SignInRequired { next } = &self {
            let to = format!(
                "/signin?next={}",
                form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
            );
            let mut r = StatusCode::SEE_OTHER.into_response();
            if let Ok(v) = HeaderValue::from_str(&to) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            return r;
        }
        let status = self.status();
        let (title, message) = match &self {
            PortalError::Forbidden(m) => ("Not allowed", m.clone()),
            PortalError::NotFound => (
                "Not found",
                "There is no such page, or you have no access to it.".to_string(),
            ),
            PortalError::BadRequest(m) | PortalError::Conflict(m) | PortalError::TooLarge(m) => {
                ("Cannot do that", m.clone())
            }
            PortalError::TooManyRequests { message, .. } => ("Too many attempts", message.clone()),
            PortalError::BadCredentials => ("Sign-in failed", self.to_string()),
            PortalError::Internal | PortalError::SignInRequired { .. } => (
                "Something went wrong",
                "The server could not complete the request. Try again later.".to_string(),
            ),
        };
        let body = error_page(title, &message, None, "/subscriptions");
        let mut r = (status, body).into_response();
        r.extensions_mut().insert(ErrorPage {
            title: title.to_string(),
            message,
        });
        if let PortalError::TooManyRequests { retry_after, .. } = self
            && let Ok(v) = HeaderValue::from_str(&retry_after.to_string())
        {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        r
    }
}

/// What an error page says, kept on the answer so that [`with_navigation`] can show it
/// again with the signed-in user's navigation.
#[derive(Debug, Clone)]
struct ErrorPage {
    title: String,
    message: String,
}

fn error_page(
    title: &str,
    message: &str,
    user: Option<&SignedIn>,
    back: &str,
) -> axum::response::Html<String> {
    html::page(
        title,
        user,
        Nav::Elsewhere,
        html! {
            h1 { (title) }
            p class="error" role="alert" { (message) }
            p { a class="button secondary" href=(back) data-back { "Back" } }
        },
    )
}

/// Where "Back" leads from an error on `path`: the page whose form was sent (for a
/// POST), else the page itself when it is a list, else the subscriptions.
fn back_from(method: &Method, path: &str) -> String {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let page = match parts.as_slice() {
        ["subscriptions", id, "coadmins", ..] => format!("/subscriptions/{id}"),
        ["certificates", "upload"] => "/certificates/upload".into(),
        ["certificates", ..] => "/certificates".into(),
        ["publishsettings"] => "/publishsettings".into(),
        ["account", "password"] => "/account/password".into(),
        ["operations"] if method == Method::GET => "/operations".into(),
        _ => "/subscriptions".into(),
    };
    page.chars()
        .filter(|c| !c.is_control() && *c != '"')
        .collect()
}

/// Error pages of a signed-in user keep the navigation and lead back where the user
/// was: an error answer ([`ErrorPage`]) is drawn again with the session's user.
pub async fn with_navigation(State(portal): State<Portal>, req: Request, next: Next) -> Response {
    // Only the cookies are kept (to find the session again), and only with a session.
    let cookies: Vec<HeaderValue> = if cookie(req.headers(), SESSION_COOKIE).is_some() {
        req.headers()
            .get_all(header::COOKIE)
            .iter()
            .cloned()
            .collect()
    } else {
        Vec::new()
    };
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let resp = next.run(req).await;
    let Some(page) = resp.extensions().get::<ErrorPage>().cloned() else {
        return resp;
    };
    let back = back_from(&method, &path);
    let mut user = None;
    if !cookies.is_empty() {
        let mut builder = Request::builder().method(Method::GET).uri("/");
        if let Some(h) = builder.headers_mut() {
            for c in cookies {
                h.append(header::COOKIE, c);
            }
        }
        if let Ok(r) = builder.body(()) {
            let (mut parts, ()) = r.into_parts();
            user = SignedIn::from_request_parts(&mut parts, &portal).await.ok();
        }
    }
    let (mut head, _) = resp.into_parts();
    let body = error_page(&page.title, &page.message, user.as_ref(), &back).into_response();
    head.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(head, body.into_body())
}

#[cfg(test)]
mod tests {
    use super::back_from;
    use axum::http::Method;

    #[test]
    fn back_leads_to_the_form_that_was_sent() {
        let post = Method::POST;
        assert_eq!(
            back_from(&post, "/subscriptions/abc/coadmins"),
            "/subscriptions/abc"
        );
        assert_eq!(
            back_from(&post, "/subscriptions/abc/coadmins/remove"),
            "/subscriptions/abc"
        );
        assert_eq!(
            back_from(&post, "/certificates/upload"),
            "/certificates/upload"
        );
        assert_eq!(back_from(&post, "/certificates/AB/delete"), "/certificates");
        assert_eq!(back_from(&post, "/publishsettings"), "/publishsettings");
        assert_eq!(back_from(&Method::GET, "/operations"), "/operations");
        assert_eq!(back_from(&Method::GET, "/nowhere"), "/subscriptions");
    }
}
