-- azmc database schema, version 3 (PostgreSQL dialect): cloud (hosted) services, their
-- service certificates and deployments, and the key that seals stored private keys.
--
-- Kept in lockstep with ../sqlite/0003_cloud_services.sql (same tables and columns; only
-- BLOB/BYTEA differ). Conventions as in 0001_init.sql.

-- A cloud service. Its DNS name is unique across all subscriptions (name_key).
CREATE TABLE hosted_services (
    name_key            TEXT PRIMARY KEY,          -- the name folded to lower case
    name                TEXT NOT NULL,             -- the name as given
    subscription_id     TEXT NOT NULL REFERENCES subscriptions (id),
    label               TEXT NOT NULL,             -- decoded text (the wire carries base64)
    description         TEXT,
    location            TEXT,                      -- exactly one of location / affinity_group
    affinity_group      TEXT,                      -- the affinity group's name as stored
    affinity_group_key  TEXT,                      -- ... folded to lower case
    extended_properties TEXT NOT NULL,             -- JSON array of [name, value] pairs
    status              TEXT NOT NULL CHECK (status IN ('Created', 'Deleting')),
    created_at          BIGINT NOT NULL,
    modified_at         BIGINT NOT NULL,
    CHECK ((location IS NULL) <> (affinity_group IS NULL)),
    FOREIGN KEY (subscription_id, affinity_group_key)
        REFERENCES affinity_groups (subscription_id, name_key)
);
CREATE INDEX hosted_services_by_subscription ON hosted_services (subscription_id, name_key);
CREATE INDEX hosted_services_by_affinity_group ON hosted_services (subscription_id, affinity_group_key);

-- The certificates of a cloud service (Add Service Certificate). The private key of a
-- .pfx is kept sealed (AES-256-GCM under the sealing key below); it is never returned.
CREATE TABLE service_certificates (
    service_key TEXT NOT NULL REFERENCES hosted_services (name_key),
    thumbprint  TEXT NOT NULL,                     -- SHA-1 of der, 40 upper-case hex digits
    der         BYTEA NOT NULL,
    sealed_key  BYTEA,                             -- nonce || AES-256-GCM(PKCS#8) || tag; NULL for .cer
    status      TEXT NOT NULL CHECK (status IN ('Adding', 'Ready', 'Deleting')),
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (service_key, thumbprint)
);

-- A deployment of a cloud service in one of its two slots.
CREATE TABLE deployments (
    service_key         TEXT NOT NULL REFERENCES hosted_services (name_key),
    slot                TEXT NOT NULL CHECK (slot IN ('Production', 'Staging')),
    name                TEXT NOT NULL,
    name_key            TEXT NOT NULL,
    private_id          TEXT NOT NULL,             -- 32 lower-case hex digits
    label               TEXT NOT NULL,             -- decoded text
    package_url         TEXT NOT NULL,
    configuration       TEXT NOT NULL,             -- base64 of the .cscfg, as given
    status              TEXT NOT NULL,             -- Running, Suspended, Deploying, ...
    roles               TEXT NOT NULL,             -- JSON array of [role name, instance count]
    cores               BIGINT NOT NULL,           -- counted against MaxCoreCount
    extended_properties TEXT NOT NULL,             -- JSON array of [name, value] pairs
    created_at          BIGINT NOT NULL,
    modified_at         BIGINT NOT NULL,
    PRIMARY KEY (service_key, slot),
    UNIQUE (service_key, name_key)
);

-- The key that seals stored private keys (a single row, like server_ca).
CREATE TABLE sealing_key (
    id        BIGINT PRIMARY KEY CHECK (id = 1),
    key_bytes BYTEA NOT NULL                        -- 32 random bytes (AES-256)
);
