//! The server's own certificate authority, shared by every node of one database.

use crate::db::{Db, fetch, with_pool};
use crate::error::DbError;

impl Db {
    /// The stored server CA: (certificate PEM, PKCS#8 DER private key), if any.
    pub async fn get_server_ca(&self) -> Result<Option<(String, Vec<u8>)>, DbError> {
        let row: Option<(String, Vec<u8>)> = fetch!(
            self,
            fetch_optional,
            "SELECT cert_pem, key_der FROM server_ca WHERE id = 1",
            []
        )?;
        Ok(row)
    }

    /// Stores this CA unless one is already stored, atomically, and returns the one that
    /// is stored: nodes that start together all end up with the first one written.
    pub async fn put_server_ca_if_absent(
        &self,
        cert_pem: &str,
        key_der: &[u8],
    ) -> Result<(String, Vec<u8>), DbError> {
        let row: (String, Vec<u8>) = with_pool!(self, |p| {
            sqlx::query(
                "INSERT INTO server_ca (id, cert_pem, key_der) VALUES (1, $1, $2) \
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(cert_pem)
            .bind(key_der)
            .execute(p)
            .await?;
            sqlx::query_as("SELECT cert_pem, key_der FROM server_ca WHERE id = 1")
                .fetch_one(p)
                .await?
        });
        Ok(row)
    }
}
