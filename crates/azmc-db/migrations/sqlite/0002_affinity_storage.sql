-- azmc database schema, version 2 (SQLite dialect): affinity groups and storage accounts.
--
-- Kept in lockstep with ../postgres/0002_affinity_storage.sql (same tables and columns).
-- Conventions as in 0001_init.sql.

-- An affinity group: a named location inside one subscription (names are unique per
-- subscription, compared case-insensitively through name_key).
CREATE TABLE affinity_groups (
    subscription_id TEXT NOT NULL REFERENCES subscriptions (id),
    name_key        TEXT NOT NULL,             -- the name folded to lower case
    name            TEXT NOT NULL,             -- the name as given
    label           TEXT NOT NULL,             -- decoded text (the wire carries base64)
    description     TEXT,
    location        TEXT NOT NULL,             -- one of the configured locations
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (subscription_id, name_key)
);

-- A storage account. Its name is unique across all subscriptions (name_key).
CREATE TABLE storage_accounts (
    name_key            TEXT PRIMARY KEY,          -- the name folded to lower case
    name                TEXT NOT NULL,             -- the name as given
    subscription_id     TEXT NOT NULL REFERENCES subscriptions (id),
    label               TEXT NOT NULL,             -- decoded text
    description         TEXT,
    location            TEXT NOT NULL,             -- the region (the affinity group's, if any)
    affinity_group      TEXT,                      -- the affinity group's name as given
    affinity_group_key  TEXT,                      -- ... folded to lower case
    account_type        TEXT NOT NULL CHECK (account_type IN ('Standard_LRS', 'Standard_ZRS',
                            'Standard_GRS', 'Standard_RAGRS', 'Premium_LRS')),
    extended_properties TEXT NOT NULL,             -- JSON array of [name, value] pairs
    primary_key         TEXT NOT NULL,             -- base64 of 64 random bytes
    secondary_key       TEXT NOT NULL,             -- base64 of 64 random bytes
    status              TEXT NOT NULL CHECK (status IN ('Creating', 'Created')),
    created_at          BIGINT NOT NULL,
    modified_at         BIGINT NOT NULL
);
CREATE INDEX storage_accounts_by_subscription ON storage_accounts (subscription_id, name_key);
CREATE INDEX storage_accounts_by_affinity_group ON storage_accounts (subscription_id, affinity_group_key);
