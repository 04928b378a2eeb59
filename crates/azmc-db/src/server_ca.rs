//! The server's own certificate authority, shared by every node of one database, and the
//! replacement of the stored secrets (the CA key and the sealing key) when the server
//! wraps them under a new key-encryption key. This crate stores the bytes it is given: the
//! wrapping is the server's.

use crate::db::{Db, fetch, with_pool};
use crate::error::DbError;

impl Db {
    /// The stored server CA: (certificate PEM, private key as stored), if any.
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

    /// Replaces the stored CA key and the stored sealing key, each `(old, new)` given, in
    /// one transaction and only if each still holds its `old` bytes: `true` when every
    /// replacement was made, `false` (and nothing changed) when one of them was changed by
    /// someone else meanwhile or is not stored.
    pub async fn replace_stored_keys(
        &self,
        ca_key: Option<(&[u8], &[u8])>,
        sealing_key: Option<(&[u8], &[u8])>,
    ) -> Result<bool, DbError> {
        with_pool!(self, |p, d| {
            let mut tx = p.begin_with(d.begin_write()).await?;
            for (sql, pair) in [
                (
                    "UPDATE server_ca SET key_der = $1 WHERE id = 1 AND key_der = $2",
                    ca_key,
                ),
                (
                    "UPDATE sealing_key SET key_bytes = $1 WHERE id = 1 AND key_bytes = $2",
                    sealing_key,
                ),
            ] {
                let Some((old, new)) = pair else { continue };
                let n = sqlx::query(sql)
                    .bind(new)
                    .bind(old)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if n != 1 {
                    return Ok(false);
                }
            }
            tx.commit().await?;
        });
        Ok(true)
    }
}
