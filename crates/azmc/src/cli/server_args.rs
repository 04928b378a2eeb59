//! Where the server's state lives: shared by `azmc serve` and `azmc admin`.

use anyhow::Result;
use std::path::PathBuf;

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
}

impl ServerLocation {
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
