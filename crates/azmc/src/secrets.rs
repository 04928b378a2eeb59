//! Where passwords and passphrases come from: a file (`--password-file`), an interactive
//! prompt on the terminal, or, with a warning, the command line. Never from a default.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// Read a secret from the first line of a file (a trailing CR/LF is removed; the rest of
/// the line is the secret, spaces included). `-` reads standard input.
pub fn read_secret_file(path: &Path) -> Result<Zeroizing<String>> {
    let raw = if path == Path::new("-") {
        crate::input::claim_stdin("the password file")?;
        let mut s = String::new();
        std::io::stdin()
            .read_line(&mut s)
            .context("reading the password from standard input")?;
        Zeroizing::new(s)
    } else {
        let bytes = Zeroizing::new(
            std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?,
        );
        if bytes.len() > 4096 {
            bail!(
                "{}: a password file must be shorter than 4 KiB",
                path.display()
            );
        }
        Zeroizing::new(
            String::from_utf8(bytes.to_vec())
                .map_err(|_| anyhow::anyhow!("{}: the password is not UTF-8", path.display()))?,
        )
    };
    let line = raw.split('\n').next().unwrap_or_default();
    Ok(Zeroizing::new(
        line.strip_suffix('\r').unwrap_or(line).to_string(),
    ))
}

/// Options every password-taking command has.
#[derive(Debug, Clone, clap::Args)]
pub struct PasswordArgs {
    /// Read the password from the first line of FILE (`-` for standard input).
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// The password itself. Visible to other users in the process list and kept in shell
    /// history: prefer --password-file or the prompt.
    #[arg(long, value_name = "PASSWORD", conflicts_with = "password_file")]
    pub password: Option<String>,
}

impl PasswordArgs {
    /// The password from the file, the flag (with a warning), or a prompt.
    /// `confirm` asks twice (for new passwords).
    pub fn get(&self, prompt: &str, confirm: bool) -> Result<Zeroizing<String>> {
        if let Some(p) = &self.password_file {
            return read_secret_file(p);
        }
        if let Some(p) = &self.password {
            eprintln!(
                "azmc: warning: a password on the command line is visible to other users and kept in shell history; use --password-file or the prompt"
            );
            return Ok(Zeroizing::new(p.clone()));
        }
        prompt_secret(prompt, confirm)
    }
}

/// Ask on the terminal (not echoed). Fails clearly when there is no terminal.
pub fn prompt_secret(prompt: &str, confirm: bool) -> Result<Zeroizing<String>> {
    let first = Zeroizing::new(
        rpassword::prompt_password(format!("{prompt}: ")).map_err(|e| {
            anyhow::anyhow!("cannot prompt for the password ({e}); give it with --password-file")
        })?,
    );
    if confirm {
        let again = Zeroizing::new(
            rpassword::prompt_password(format!("{prompt} (again): "))
                .context("reading the password confirmation")?,
        );
        if *again != *first {
            bail!("the two passwords differ");
        }
    }
    Ok(first)
}

/// A passphrase source for strongly protected store keys: a file, or the terminal.
#[derive(Debug)]
pub struct Passphrase {
    pub file: Option<PathBuf>,
}

impl azmc_certstore::PassphraseSource for Passphrase {
    fn passphrase(&self, prompt: &str) -> Result<Zeroizing<String>, azmc_certstore::StoreError> {
        let got = match &self.file {
            Some(f) => read_secret_file(f),
            None => prompt_secret(prompt, false),
        };
        got.map_err(|e| azmc_certstore::StoreError::Passphrase(format!("{e:#}")))
    }
}
