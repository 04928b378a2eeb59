//! Errors. `ServerError` is for start-up and the machinery (the CLI maps it to an exit
//! code); `ApiError` is what a request gets, mapped in exactly one place to an HTTP status
//! and an ASM `<Error>` body. Internals (database messages, paths) are logged with the
//! request id and never sent to the client.

use crate::domain::{ConflictReason, DomainError, ResourceKind};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use azmc_db::{DbError, Limit};

/// Failures of the server as a program (not of a request).
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("configuration: {0}")]
    Config(String),
    #[error("database: {0}")]
    Db(#[from] DbError),
    #[error("TLS: {0}")]
    Tls(String),
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
    /// A file the server writes in its data directory.
    #[error(transparent)]
    File(#[from] azmc_certstore::StoreError),
    /// The image catalogue file does not read or check (the file and the cause).
    #[error(transparent)]
    Catalogue(#[from] crate::domain::images::CatalogueError),
    #[error("{0}")]
    Other(String),
}

/// The error code and message of a failed request, attached to the response as an
/// extension so the operation log can record them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorInfo {
    pub code: String,
    pub message: String,
}

/// An ASM error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds for a `Retry-After` header (throttling).
    pub retry_after: Option<u64>,
    /// What the Web Sites API adds to its errors, where the cause is known (see
    /// [`in_website_dialect`]).
    pub detail: Option<ErrorDetail>,
}

/// The Web Sites API's details of an error: the live service's `ExtendedCode` and
/// `MessageTemplate` (the message with `{0}`, `{1}`… for the `Parameters`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorDetail {
    pub extended_code: &'static str,
    pub template: &'static str,
    pub parameters: Vec<String>,
}

impl ErrorDetail {
    /// The template with its parameters filled in.
    fn message(&self) -> String {
        let mut m = self.template.to_string();
        for (i, p) in self.parameters.iter().enumerate() {
            m = m.replace(&format!("{{{i}}}"), p);
        }
        m
    }
}

/// The Web Sites errors: (extended code, template) by cause. Only `04009` (a missing site)
/// is in the 2015 recordings; the others are this server's, numbered alike (the first two
/// digits the kind of failure: 01 bad input, 04 not found, 54 conflict, 00 the server).
mod website_errors {
    pub const SITE_NOT_FOUND: (&str, &str) = ("04009", "The web site {0} cannot be found.");
    pub const WEBSPACE_NOT_FOUND: (&str, &str) = ("04002", "Cannot find WebSpace with name {0}.");
    pub const OTHER_NOT_FOUND: (&str, &str) = ("04001", "{0}");
    pub const SITE_EXISTS: (&str, &str) = ("54001", "Website with given name {0} already exists.");
    pub const NO_PUBLISHING_PASSWORD: (&str, &str) = (
        "54011",
        "The web site {0} has no publishing credentials yet: they are made by its next change (update the site or its configuration).",
    );
    pub const OTHER_CONFLICT: (&str, &str) = ("54000", "{0}");
    pub const BAD_REQUEST: (&str, &str) = ("01001", "{0}");
    pub const OTHER: (&str, &str) = ("00000", "{0}");
}

/// Seconds a client is asked to wait when the database is unavailable (a PostgreSQL restart
/// takes a few seconds).
pub const UNAVAILABLE_RETRY_AFTER: u64 = 3;

/// The message of an operation whose work was cut short.
pub const INTERRUPTED_MESSAGE: &str = "The operation was interrupted and could not be completed.";

/// What real Azure answered when the certificate was not accepted.
pub const FORBIDDEN_MESSAGE: &str = "The server failed to authenticate the request. Verify that the certificate is valid and is associated with this subscription.";

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
            detail: None,
        }
    }

    /// With the Web Sites API's details `(extended code, template)` and `parameters`.
    fn with_detail(
        mut self,
        (extended_code, template): (&'static str, &'static str),
        parameters: Vec<String>,
    ) -> Self {
        self.detail = Some(ErrorDetail {
            extended_code,
            template,
            parameters,
        });
        self
    }

    /// The Web Sites API's error body: its codes (`BadRequest`, `NotFound`, `Conflict`; the
    /// others as they are), and the details of [`ApiError::detail`] or, without them, the
    /// message as the template's one parameter.
    fn website_body(&self) -> (&'static str, azmc_wire::asm::ExtendedErrorXml) {
        use website_errors as w;
        let code = match self.status {
            StatusCode::BAD_REQUEST => "BadRequest",
            StatusCode::NOT_FOUND => "NotFound",
            StatusCode::CONFLICT => "Conflict",
            _ => self.code,
        };
        let detail = self.detail.clone().unwrap_or_else(|| {
            let (extended_code, template) = match self.status {
                StatusCode::BAD_REQUEST => w::BAD_REQUEST,
                StatusCode::NOT_FOUND => w::OTHER_NOT_FOUND,
                StatusCode::CONFLICT => w::OTHER_CONFLICT,
                _ => w::OTHER,
            };
            ErrorDetail {
                extended_code,
                template,
                parameters: vec![self.message.clone()],
            }
        });
        let body = azmc_wire::asm::ExtendedErrorXml {
            code: code.to_string(),
            message: detail.message(),
            extended_code: detail.extended_code.to_string(),
            message_template: detail.template.to_string(),
            parameters: detail.parameters,
        };
        (code, body)
    }

    /// 403 ForbiddenError: no certificate, an unknown or unlinked one, an expired one, or
    /// an unknown subscription: one answer for all, so nothing leaks.
    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "ForbiddenError", FORBIDDEN_MESSAGE)
    }

    pub fn subscription_disabled() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "SubscriptionDisabled",
            "The subscription is in a disabled state.",
        )
    }

    pub fn missing_version() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "MissingOrIncorrectVersionHeader",
            "The versioning header is not specified or was specified incorrectly.",
        )
    }

    pub fn invalid_xml(detail: impl std::fmt::Display) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidXmlRequest",
            format!("The request body's XML was invalid or not correctly specified: {detail}"),
        )
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BadRequest", message)
    }

    pub fn bad_query(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "MissingOrInvalidRequiredQueryParameter",
            message,
        )
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "ResourceNotFound", message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "ConflictError", message)
    }

    pub fn invalid_verb() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidHttpVerb",
            "The HTTP verb specified was not recognized by the server or isn't valid for this resource.",
        )
    }

    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestBodyTooLarge",
            format!("The request body is larger than the limit of {limit} bytes."),
        )
    }

    pub fn throttled(retry_after: u64) -> Self {
        Self {
            retry_after: Some(retry_after.max(1)),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "TooManyRequests",
                "Too many requests received. Retry after some time.",
            )
        }
    }

    pub fn unavailable() -> Self {
        Self {
            retry_after: Some(UNAVAILABLE_RETRY_AFTER),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "ServerBusy",
                "The server (or an internal component) is currently unavailable to receive requests. Please retry your request.",
            )
        }
    }

    /// 500 InternalError for an operation whose work was cut short (its node died, or it
    /// was given up after too many attempts).
    /// 503 `ServerBusy` with `Retry-After`: the slots for this kind of work (reading a
    /// client's `.pfx`, hashing a password) are all taken.
    pub fn busy(retry_after: u64) -> Self {
        ApiError {
            retry_after: Some(retry_after),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "ServerBusy",
                "The server is busy with other requests of this kind. Retry the request later.",
            )
        }
    }

    pub fn interrupted() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            INTERRUPTED_MESSAGE,
        )
    }

    /// 500 InternalError. The cause must have been logged by the caller.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "The server encountered an internal error. Please retry the request.",
        )
    }
}

/// The message of a reached limit, as the API words it.
fn limit_message(limit: Limit, max: u32) -> String {
    match limit {
        Limit::CertificatesPerSubscription => format!(
            "The subscription already has the maximum of {max} management certificates. Delete one before adding another."
        ),
        Limit::CertificatesPerServiceAdmin => format!(
            "The service administrator of this subscription already has the maximum of {max} management certificates across their subscriptions. Delete one before adding another."
        ),
        Limit::HostedServices => format!(
            "The subscription already has the maximum of {max} cloud services (MaxHostedServices). Delete one before creating another."
        ),
        Limit::Cores => format!(
            "The deployment would exceed the subscription's maximum of {max} cores (MaxCoreCount)."
        ),
        Limit::SqlServers => format!(
            "The subscription already has the maximum of {max} SQL servers. Delete one before creating another."
        ),
        Limit::FirewallRules => format!(
            "The server already has the maximum of {max} firewall rules. Delete one before creating another."
        ),
        Limit::SqlDatabases => format!(
            "The server already has the maximum of {max} databases. Delete one before creating another."
        ),
        Limit::VirtualNetworkSites => format!(
            "The network configuration has more virtual network sites than the subscription's maximum of {max} (MaxVirtualNetworkSites)."
        ),
        Limit::LocalNetworkSites => format!(
            "The network configuration has more local network sites than the subscription's maximum of {max} (MaxLocalNetworkSites)."
        ),
        Limit::DnsServers => format!(
            "The network configuration has more DNS servers than the subscription's maximum of {max} (MaxDnsServers)."
        ),
        Limit::StorageAccounts => format!(
            "The subscription already has the maximum of {max} storage accounts (MaxStorageAccounts). Delete one before creating another."
        ),
        Limit::ReservedIps => format!(
            "The subscription already has the maximum of {max} reserved IPs (MaxReservedIPs). Delete one before creating another."
        ),
    }
}

/// The one mapping of domain answers to ASM errors.
impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::NotFound { kind, name } => {
                let e = Self::not_found(kind.not_found_message(name.as_deref()));
                match (kind, name) {
                    (ResourceKind::WebSite, Some(n)) => {
                        e.with_detail(website_errors::SITE_NOT_FOUND, vec![n])
                    }
                    (ResourceKind::Webspace, Some(n)) => {
                        e.with_detail(website_errors::WEBSPACE_NOT_FOUND, vec![n])
                    }
                    _ => e,
                }
            }
            DomainError::Conflict(reason) => {
                let e = Self::conflict(reason.to_string());
                match reason {
                    ConflictReason::WebSiteExists { name } => {
                        e.with_detail(website_errors::SITE_EXISTS, vec![name])
                    }
                    ConflictReason::WebSitePublishingPasswordPending { name } => {
                        e.with_detail(website_errors::NO_PUBLISHING_PASSWORD, vec![name])
                    }
                    _ => e,
                }
            }
            DomainError::Limit { limit, max, .. } => Self::conflict(limit_message(limit, max)),
            DomainError::Invalid { message, .. } => Self::bad_request(message),
            DomainError::Unavailable => Self::unavailable(),
            DomainError::Busy { retry_after } => Self::busy(retry_after),
            DomainError::Internal => Self::internal(),
        }
    }
}

/// For `azmc admin` and the first start: a refused field is a configuration error (the
/// operator's input), anything else the domain's own one-line message.
impl From<DomainError> for ServerError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Invalid { message, .. } => ServerError::Config(message),
            other => ServerError::Other(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = azmc_wire::asm::Error {
            code: self.code.to_string(),
            message: self.message.clone(),
        }
        .to_xml();
        let info = ErrorInfo {
            code: self.code.to_string(),
            message: self.message.clone(),
        };
        self.render(body, info)
    }
}

/// The layer of the Web Sites API's routes (`/{s}/services/webspaces/…`): its errors in
/// the live service's shape (`Code`, `Message`, `ExtendedCode`, `MessageTemplate`,
/// `Parameters`, `InnerErrors`), as recorded for a missing site. Put inside the operation
/// log's layer, so that the log records the code the caller got.
pub async fn in_website_dialect(resp: Response) -> Response {
    match resp.extensions().get::<ApiError>() {
        Some(e) => {
            let e = e.clone();
            let (code, body) = e.website_body();
            let info = ErrorInfo {
                code: code.to_string(),
                message: body.message.clone(),
            };
            e.render(body.to_xml(), info)
        }
        None => resp,
    }
}

impl ApiError {
    fn render(self, body: String, info: ErrorInfo) -> Response {
        let mut resp = (self.status, body).into_response();
        let h = resp.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/xml; charset=utf-8"),
        );
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        if let Some(s) = self.retry_after {
            h.insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        resp.extensions_mut().insert(info);
        resp.extensions_mut().insert(self);
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn website_answer(e: ApiError) -> (StatusCode, String, ErrorInfo) {
        let resp = in_website_dialect(e.into_response()).await;
        let info = resp.extensions().get::<ErrorInfo>().unwrap().clone();
        let status = resp.status();
        let body = axum::body::to_bytes(resp.into_body(), 1 << 16)
            .await
            .unwrap();
        (status, String::from_utf8(body.to_vec()).unwrap(), info)
    }

    #[tokio::test]
    async fn website_errors_have_the_live_shape() {
        // a missing site: as recorded (test_delete_site), byte for byte
        let e = ApiError::from(DomainError::not_found_named(
            ResourceKind::WebSite,
            "uts625410cf",
        ));
        let (status, body, info) = website_answer(e).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(
            body,
            "<Error xmlns=\"http://schemas.microsoft.com/windowsazure\" xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\"><Code>NotFound</Code><Message>The web site uts625410cf cannot be found.</Message><ExtendedCode>04009</ExtendedCode><MessageTemplate>The web site {0} cannot be found.</MessageTemplate><Parameters xmlns:a=\"http://schemas.microsoft.com/2003/10/Serialization/Arrays\"><a:string>uts625410cf</a:string></Parameters><InnerErrors i:nil=\"true\"/></Error>"
        );
        // the operation log records what the caller got
        assert_eq!(info.code, "NotFound");
        assert_eq!(info.message, "The web site uts625410cf cannot be found.");

        let conflict = ApiError::from(DomainError::Conflict(ConflictReason::WebSiteExists {
            name: "a<b".into(),
        }));
        let (status, body, _) = website_answer(conflict).await;
        assert_eq!(status, StatusCode::CONFLICT);
        let x = azmc_wire::asm::parse_extended_error(body.as_bytes()).unwrap();
        assert_eq!(
            (
                x.code.as_str(),
                x.extended_code.as_str(),
                x.parameters[0].as_str()
            ),
            ("Conflict", "54001", "a<b")
        );
        assert_eq!(x.message, "Website with given name a<b already exists.");

        // without a known cause: the message is the template's one parameter
        let bad = ApiError::from(DomainError::Invalid {
            field: "State",
            message: "State 'x' is not valid.".into(),
        });
        let (status, body, _) = website_answer(bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let x = azmc_wire::asm::parse_extended_error(body.as_bytes()).unwrap();
        assert_eq!(
            (
                x.code.as_str(),
                x.extended_code.as_str(),
                x.message_template.as_str()
            ),
            ("BadRequest", "01001", "{0}")
        );
        assert_eq!(x.parameters, std::slice::from_ref(&x.message));

        // internals never show; throttling keeps its code and Retry-After
        let (status, body, _) = website_answer(ApiError::from(DomainError::Internal)).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        let x = azmc_wire::asm::parse_extended_error(body.as_bytes()).unwrap();
        assert_eq!(
            (x.code.as_str(), x.extended_code.as_str()),
            ("InternalError", "00000")
        );
        assert_eq!(
            x.message,
            "The server encountered an internal error. Please retry the request."
        );
        let resp = in_website_dialect(ApiError::unavailable().into_response()).await;
        assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(resp.headers().contains_key(header::RETRY_AFTER));

        // other answers pass through untouched
        let ok = in_website_dialect((StatusCode::OK, "fine").into_response()).await;
        assert_eq!(ok.status(), StatusCode::OK);
        assert!(ok.extensions().get::<ErrorInfo>().is_none());
    }

    #[test]
    fn other_apis_keep_their_error_shape() {
        let e = ApiError::from(DomainError::not_found_named(ResourceKind::WebSite, "x"));
        assert_eq!(e.code, "ResourceNotFound");
        let resp = e.into_response();
        assert_eq!(
            resp.extensions().get::<ErrorInfo>().unwrap().code,
            "ResourceNotFound"
        );
    }
}
