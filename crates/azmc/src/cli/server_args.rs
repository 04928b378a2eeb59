//! Where the server's state lives: shared by `azmc serve` and `azmc admin`.

use anyhow::Result;
use azmc_server::keys::KekSource;
use std::path::PathBuf;
use zeroize::Zeroizing;

#[derive(Debug, Clone, clap::Args)]
pub struct ServerLocation {
    /// Server data directory (ca.pem, admin-password, bootstrap.publishsettings, and the
    /// SQLite database unless --database-url is given).
    /// Default: $XDG_DATA_HOME/azmc-server, else ~/.local/share/azmc-server.
    #[arg(long, env = "AZMC_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database: sqlite:///path/to/file or postgres://user@host:port/db. Default: the
    /// SQLite file azmc.sqlite3 in the data directory.
    #[arg(long, env = "AZMC_DATABASE_URL", value_name = "URL")]
    pub database_url: Option<String>,
    /// Key-encryption key file: wraps the server CA key and the sealing key stored in the
    /// database (made, mode 0600, on the first start of a new database). Default: kek in
    /// the data directory. Nodes on one database share one key: give each this file, or
    /// its contents in the environment variable AZMC_KEK instead.
    #[arg(long, env = "AZMC_KEK_FILE", value_name = "FILE")]
    pub kek_file: Option<PathBuf>,
}

impl ServerLocation {
    /// Where the key-encryption key comes from: `AZMC_KEK` (the key itself), else
    /// `--kek-file`, else `DATA_DIR/kek`.
    pub fn kek_source(&self) -> Result<KekSource> {
        if let Some(v) = std::env::var_os("AZMC_KEK").filter(|v| !v.is_empty()) {
            if self.kek_file.is_some() {
                return crate::usage(
                    "give the key-encryption key once: AZMC_KEK or --kek-file, not both",
                );
            }
            let Some(v) = v.to_str() else {
                return crate::usage("AZMC_KEK: not a key-encryption key: not text");
            };
            return Ok(KekSource::Value(Zeroizing::new(v.to_string())));
        }
        Ok(KekSource::File(match &self.kek_file {
            Some(f) => f.clone(),
            None => self.data_dir()?.join("kek"),
        }))
    }

    pub fn data_dir(&self) -> Result<PathBuf> {
        if let Some(d) = &self.data_dir {
            return Ok(d.clone());
        }
        let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
        if let Some(x) = var("XDG_DATA_HOME") {
            return Ok(PathBuf::from(x).join("azmc-server"));
        }
        match var("HOME") {
            Some(h) => Ok(PathBuf::from(h).join(".local/share/azmc-server")),
            None => crate::usage("cannot find a data directory: set --data-dir or HOME"),
        }
    }
}
