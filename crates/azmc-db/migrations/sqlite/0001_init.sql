-- azmc database schema, version 1 (SQLite dialect).
--
-- Kept in lockstep with ../postgres/0001_init.sql: the same tables and columns with the
-- same names and meaning; only the spelling of types differs where the dialects need it
-- (BLOB/BYTEA, the auto-increment key of `jobs`). A test compares the two.
--
-- Conventions: times are BIGINT unix microseconds (UTC); keys that are compared
-- case-insensitively are stored twice, as given and folded (`*_key`), so both databases
-- compare them the same way; enumerations are TEXT with a CHECK.

-- People who may sign in to the portal. A subscription's service administrator is one.
CREATE TABLE accounts (
    username_key  TEXT PRIMARY KEY,        -- the username folded to lower case
    username      TEXT NOT NULL,           -- the username as given
    email         TEXT,
    password_hash TEXT NOT NULL,           -- argon2 PHC string
    created_at    BIGINT NOT NULL
);

CREATE TABLE subscriptions (
    id                        TEXT PRIMARY KEY,   -- lower-case GUID
    name                      TEXT NOT NULL,
    status                    TEXT NOT NULL CHECK (status IN ('Active', 'Disabled')),
    service_admin             TEXT NOT NULL REFERENCES accounts (username_key),
    max_core_count            BIGINT NOT NULL,
    max_storage_accounts      BIGINT NOT NULL,
    max_hosted_services       BIGINT NOT NULL,
    max_virtual_network_sites BIGINT NOT NULL,
    max_local_network_sites   BIGINT NOT NULL,
    max_dns_servers           BIGINT NOT NULL,
    max_reserved_ips          BIGINT NOT NULL,
    created_at                BIGINT NOT NULL
);
CREATE INDEX subscriptions_by_service_admin ON subscriptions (service_admin);

CREATE TABLE coadmins (
    subscription_id TEXT NOT NULL REFERENCES subscriptions (id),
    username_key    TEXT NOT NULL REFERENCES accounts (username_key),
    PRIMARY KEY (subscription_id, username_key)
);
CREATE INDEX coadmins_by_account ON coadmins (username_key);

-- A management certificate, shared by every subscription it is linked to.
CREATE TABLE certificates (
    thumbprint TEXT PRIMARY KEY,           -- SHA-1 of der, 40 upper-case hex digits
    der        BLOB NOT NULL,
    subject    TEXT NOT NULL,
    not_before BIGINT NOT NULL,
    not_after  BIGINT NOT NULL
);

-- Which certificate may manage which subscription.
CREATE TABLE certificate_links (
    subscription_id TEXT NOT NULL REFERENCES subscriptions (id),
    thumbprint      TEXT NOT NULL REFERENCES certificates (thumbprint),
    created_at      BIGINT NOT NULL,
    created_by      TEXT NOT NULL,         -- cert:<thumbprint> | user:<name> | bootstrap
    PRIMARY KEY (subscription_id, thumbprint)
);
CREATE INDEX certificate_links_by_thumbprint ON certificate_links (thumbprint);

-- Monotonic counters. `links_revision` is bumped in the same transaction as every change
-- to certificate_links and to a subscription's status, so server nodes can poll it.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('links_revision', 0);

-- Subscription operations (List Subscription Operations, Get Operation Status).
CREATE TABLE operations (
    id                TEXT PRIMARY KEY,    -- 32 lower-case hex digits
    subscription_id   TEXT NOT NULL REFERENCES subscriptions (id),
    name              TEXT NOT NULL,       -- e.g. AddSubscriptionCertificate
    object_id         TEXT NOT NULL,       -- e.g. /{s}/certificates/{thumbprint}, as given
    object_key        TEXT NOT NULL,       -- object_id folded to lower case (filtering)
    parameters        TEXT NOT NULL,       -- JSON array of [name, value] pairs
    caller_thumbprint TEXT,
    caller_user       TEXT,
    caller_ip         TEXT,
    status            TEXT NOT NULL CHECK (status IN ('InProgress', 'Succeeded', 'Failed')),
    http_status       BIGINT,
    error_code        TEXT,
    error_message     TEXT,
    started_at        BIGINT NOT NULL,
    completed_at      BIGINT
);
CREATE INDEX operations_by_subscription ON operations (subscription_id, started_at, id);
CREATE INDEX operations_in_progress ON operations (started_at) WHERE status = 'InProgress';

-- The durable queue behind asynchronous operations: one job per operation.
CREATE TABLE jobs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    operation_id    TEXT NOT NULL UNIQUE REFERENCES operations (id),
    subscription_id TEXT NOT NULL REFERENCES subscriptions (id),
    kind            TEXT NOT NULL,
    payload         TEXT NOT NULL,         -- JSON
    state           TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'abandoned')),
    attempts        BIGINT NOT NULL,
    run_after       BIGINT NOT NULL,
    lease_owner     TEXT,
    lease_until     BIGINT,
    finished_at     BIGINT
);
CREATE INDEX jobs_by_state ON jobs (state, run_after);

-- The server's own CA (issues its TLS certificate), shared by all nodes of one database.
CREATE TABLE server_ca (
    id       BIGINT PRIMARY KEY CHECK (id = 1),
    cert_pem TEXT NOT NULL,
    key_der  BLOB NOT NULL                 -- PKCS#8 DER
);
