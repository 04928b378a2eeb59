-- azmc database schema, version 4 (PostgreSQL dialect): classic SQL Database servers with
-- their firewall rules, web sites, and resource provider registrations.
--
-- Kept in lockstep with ../sqlite/0004_sql_websites.sql (same tables and columns).
-- Conventions as in 0001_init.sql. References only tables of 0001.

-- A SQL Database server. Its name is generated (10 lower-case letters and digits) and is
-- unique across all subscriptions (it is a DNS name).
CREATE TABLE sql_servers (
    name            TEXT PRIMARY KEY,
    subscription_id TEXT NOT NULL REFERENCES subscriptions (id),
    admin_login     TEXT NOT NULL,
    password_hash   TEXT NOT NULL,                 -- argon2id PHC string; never returned
    location        TEXT NOT NULL,
    version         TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    modified_at     BIGINT NOT NULL
);
CREATE INDEX sql_servers_by_subscription ON sql_servers (subscription_id, name);

-- The firewall rules of a server; names are case-insensitive within the server.
CREATE TABLE sql_firewall_rules (
    server_name TEXT NOT NULL REFERENCES sql_servers (name),
    name_key    TEXT NOT NULL,                     -- the name folded to lower case
    name        TEXT NOT NULL,                     -- the name as given
    start_ip    TEXT NOT NULL,                     -- dotted IPv4
    end_ip      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    modified_at BIGINT NOT NULL,
    PRIMARY KEY (server_name, name_key)
);

-- A web site. Its name is a DNS label unique across all subscriptions (name_key).
CREATE TABLE websites (
    name_key        TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    subscription_id TEXT NOT NULL REFERENCES subscriptions (id),
    webspace        TEXT NOT NULL,                 -- e.g. westuswebspace (lower case)
    compute_mode    TEXT NOT NULL CHECK (compute_mode IN ('Shared', 'Dedicated')),
    site_mode       TEXT NOT NULL CHECK (site_mode IN ('Limited', 'Basic')),
    server_farm     TEXT,
    state           TEXT NOT NULL CHECK (state IN ('Running', 'Stopped')),
    created_at      BIGINT NOT NULL,
    modified_at     BIGINT NOT NULL
);
CREATE INDEX websites_by_subscription ON websites (subscription_id, webspace, name_key);

-- Register / Unregister Resource Provider (`PUT /{s}/services?service=…&action=…`).
CREATE TABLE resource_providers (
    subscription_id TEXT NOT NULL REFERENCES subscriptions (id),
    provider        TEXT NOT NULL,                 -- lower case, e.g. website
    registered      BOOLEAN NOT NULL,
    changed_at      BIGINT NOT NULL,
    PRIMARY KEY (subscription_id, provider)
);
