-- Kept in lockstep with ../postgres/0009_site_config.sql (same columns; BLOB/BYTEA differ).
-- A web site's configuration (GET/PUT …/sites/{site}/config) and its publishing password
-- (the userPWD of …/sites/{site}/publishxml).
--
-- config: the configuration document as JSON, without its connection strings; NULL until
--   the first PUT of the configuration (the defaults apply).
-- connection_strings_sealed: the connection strings (they hold passwords) as JSON, sealed:
--   nonce || AES-256-GCM || tag under the sealing key, bound to the site's name_key;
--   NULL when none were ever set.
-- publishing_password_sealed: the site's random publishing password, sealed the same way;
--   set at creation. Sites created before this migration have NULL until their next
--   change (PUT of the site or of its configuration), which generates it; until then
--   their publish profile is refused (a read never writes).
ALTER TABLE websites ADD COLUMN config TEXT;
ALTER TABLE websites ADD COLUMN connection_strings_sealed BLOB;
ALTER TABLE websites ADD COLUMN publishing_password_sealed BLOB;
