//! What can go wrong talking to a Service Management endpoint.

use std::time::Duration;

/// An error from [`crate::Client`]. Every variant names what failed and why in one line;
/// none carries key material.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The client could not be set up (endpoint, certificate, trust).
    #[error("{0}")]
    Config(String),

    /// No TCP/TLS connection could be made (nothing was sent).
    #[error("cannot connect to {endpoint}: {reason}")]
    Connect { endpoint: String, reason: String },

    /// The connection failed after the request was (or may have been) sent.
    #[error("{method} {path}: connection failed: {reason}")]
    Transport {
        method: String,
        path: String,
        reason: String,
    },

    /// No complete answer within the request timeout.
    #[error("{method} {path}: no answer within {} s", .after.as_secs())]
    Timeout {
        method: String,
        path: String,
        after: Duration,
    },

    /// The service answered with an error (4xx/5xx and, where the body has one, its
    /// ASM `<Error>` code and message).
    #[error("{code}: {message} (HTTP {status}{})", request_id_suffix(.request_id))]
    Api {
        status: u16,
        code: String,
        message: String,
        request_id: Option<String>,
    },

    /// The service answered, but not in a form this client understands.
    #[error("{what}: unexpected answer: {reason}")]
    BadResponse { what: String, reason: String },

    /// An asynchronous operation ended in `Failed`.
    #[error("operation {id} failed: {code}: {message} (HTTP {status})")]
    OperationFailed {
        id: String,
        status: u16,
        code: String,
        message: String,
    },

    /// An asynchronous operation did not finish in time (it may still finish).
    #[error("operation {id} still {status} after {} s", .waited.as_secs())]
    WaitTimeout {
        id: String,
        status: String,
        waited: Duration,
    },
}

fn request_id_suffix(id: &Option<String>) -> String {
    match id {
        Some(id) => format!(", request id {id}"),
        None => String::new(),
    }
}

impl ClientError {
    /// The ASM error code for API errors (`ResourceNotFound`, `ForbiddenError`, ...).
    pub fn code(&self) -> Option<&str> {
        match self {
            ClientError::Api { code, .. } | ClientError::OperationFailed { code, .. } => Some(code),
            _ => None,
        }
    }

    /// An answer 404 of the API (the resource does not exist).
    pub fn is_not_found(&self) -> bool {
        matches!(self, ClientError::Api { status: 404, .. })
    }

    /// The HTTP status for API errors.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Api { status, .. } | ClientError::OperationFailed { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }
}

/// Short for `Result<T, ClientError>`.
pub type Result<T, E = ClientError> = std::result::Result<T, E>;
