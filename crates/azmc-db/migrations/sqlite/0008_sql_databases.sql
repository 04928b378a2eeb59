-- azmc database schema, version 8 (SQLite dialect): the databases of classic SQL
-- Database servers (the built-in master database is not stored: every server has it).
--
-- Kept in lockstep with ../postgres/0008_sql_databases.sql (same tables and columns).
-- Conventions as in 0001_init.sql. Deleting a server deletes its databases (cascade).

CREATE TABLE sql_databases (
    server_name          TEXT NOT NULL REFERENCES sql_servers (name) ON DELETE CASCADE,
    name_key             TEXT NOT NULL,            -- the name folded to lower case
    name                 TEXT NOT NULL,            -- the name as given
    db_id                BIGINT NOT NULL,          -- the service's Id: 4, 5, … per server
    edition              TEXT NOT NULL
        CHECK (edition IN ('Web', 'Business', 'Basic', 'Standard', 'Premium')),
    max_size_bytes       BIGINT NOT NULL,
    collation_name       TEXT NOT NULL,
    service_objective_id TEXT NOT NULL,            -- a GUID of the fixed catalogue
    created_at           BIGINT NOT NULL,
    modified_at          BIGINT NOT NULL,
    PRIMARY KEY (server_name, name_key),
    UNIQUE (server_name, db_id)
);
