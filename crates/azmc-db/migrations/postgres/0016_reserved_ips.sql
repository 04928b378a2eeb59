-- azmc database schema, version 16 (PostgreSQL dialect): reserved IP addresses.
--
-- Kept in lockstep with ../sqlite/0016_reserved_ips.sql (same tables and columns).
-- Conventions as in 0001_init.sql.

-- A reserved IP address of a subscription (names unique per subscription, compared
-- case-insensitively through name_key). Its address is allocated from the server's pool
-- by address_index (unique across the server). While associated, service_key and
-- deployment_id name the deployment (by its private id): the association ends with that
-- deployment, even if another of the same name is made later.
CREATE TABLE reserved_ips (
    subscription_id TEXT NOT NULL REFERENCES subscriptions (id),
    name_key        TEXT NOT NULL,             -- the name folded to lower case
    name            TEXT NOT NULL,             -- the name as given
    ip_id           TEXT NOT NULL,             -- the Id on the wire: a GUID
    label           TEXT,                      -- plain text, as given
    location        TEXT NOT NULL,             -- one of the configured locations
    address_index   BIGINT NOT NULL,           -- position in the server's address pool
    address         TEXT NOT NULL,             -- dotted IPv4 text of address_index
    status          TEXT NOT NULL CHECK (status IN ('Creating', 'Created')),
    service_key     TEXT,                      -- associated cloud service, lower case
    service_name    TEXT,                      -- ... as stored
    deployment_id   TEXT,                      -- ... its deployment's private_id
    virtual_ip_name TEXT,                      -- ... the virtual IP named, if any
    created_at      BIGINT NOT NULL,
    modified_at     BIGINT NOT NULL,
    PRIMARY KEY (subscription_id, name_key)
);
CREATE UNIQUE INDEX reserved_ips_by_address ON reserved_ips (address_index);
CREATE INDEX reserved_ips_by_deployment ON reserved_ips (service_key, deployment_id);
