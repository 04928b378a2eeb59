//! `azmc`: the command-line face of azmc. Parsing (clap) and presentation live here; every
//! command calls into the library crates. Exit codes: 0 success, 1 failure, 2 usage.

mod cli;
mod input;
mod output;
mod profiles;
mod secrets;

use std::process::ExitCode;

/// An error in how the command was invoked (exit code 2), as opposed to a failure of the
/// operation itself (exit code 1).
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Shorthand for returning a usage error.
pub fn usage<T>(msg: impl Into<String>) -> anyhow::Result<T> {
    Err(UsageError(msg.into()).into())
}

fn main() -> ExitCode {
    let cli = match cli::parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are successes; everything else is a usage error (2).
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // An error of the service: once, as `ERROR Code: message (request id …)`.
            match e.downcast_ref::<azmc_client::ClientError>() {
                Some(azmc_client::ClientError::Api {
                    code,
                    message,
                    request_id,
                    status,
                }) => {
                    let id = request_id
                        .as_deref()
                        .map(|id| format!(", request id {id}"))
                        .unwrap_or_default();
                    eprintln!("ERROR {code}: {message} (HTTP {status}{id})");
                    return ExitCode::FAILURE;
                }
                Some(azmc_client::ClientError::OperationFailed {
                    id,
                    status,
                    code,
                    message,
                }) => {
                    eprintln!("ERROR {code}: {message} (HTTP {status}, request id {id})");
                    return ExitCode::FAILURE;
                }
                _ => {}
            }
            eprintln!("azmc: error: {e:#}");
            if e.downcast_ref::<UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
