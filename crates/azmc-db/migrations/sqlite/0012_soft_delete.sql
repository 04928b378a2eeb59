-- Soft delete: a storage account or cloud service deleted while the server keeps deleted
-- resources (`azmc serve --restore-days`, 14 by default; 0 deletes at once) is moved here
-- in the transaction of its delete, with everything a restore brings back (keys,
-- properties, a cloud service's ready certificates; not its deployments). Its name stays
-- reserved for the subscription that deleted it: that subscription may restore it
-- (moved back) or create the name anew (the deleted copy is then dropped); others are
-- told the name is taken. Rows past purge_at are dropped by the job runner's sweep.
-- Times are Unix microseconds, as elsewhere.
--
-- Kept in lockstep with ../postgres/0012_soft_delete.sql.
CREATE TABLE deleted_storage_accounts (
    name_key            TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    subscription_id     TEXT NOT NULL REFERENCES subscriptions (id),
    label               TEXT NOT NULL,
    description         TEXT,
    location            TEXT NOT NULL,
    affinity_group      TEXT,
    affinity_group_key  TEXT,
    account_type        TEXT NOT NULL,
    extended_properties TEXT NOT NULL,
    primary_key         TEXT NOT NULL,
    secondary_key       TEXT NOT NULL,
    created_at          BIGINT NOT NULL,
    modified_at         BIGINT NOT NULL,
    deleted_at          BIGINT NOT NULL,
    purge_at            BIGINT NOT NULL
);
CREATE INDEX deleted_storage_accounts_by_subscription
    ON deleted_storage_accounts (subscription_id, name_key);
CREATE INDEX deleted_storage_accounts_by_purge ON deleted_storage_accounts (purge_at);

CREATE TABLE deleted_hosted_services (
    name_key            TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    subscription_id     TEXT NOT NULL REFERENCES subscriptions (id),
    label               TEXT NOT NULL,
    description         TEXT,
    location            TEXT,
    affinity_group      TEXT,
    affinity_group_key  TEXT,
    extended_properties TEXT NOT NULL,
    created_at          BIGINT NOT NULL,
    modified_at         BIGINT NOT NULL,
    deleted_at          BIGINT NOT NULL,
    purge_at            BIGINT NOT NULL
);
CREATE INDEX deleted_hosted_services_by_subscription
    ON deleted_hosted_services (subscription_id, name_key);
CREATE INDEX deleted_hosted_services_by_purge ON deleted_hosted_services (purge_at);

-- The certificates a deleted cloud service had in the Ready state (private keys still
-- sealed as in service_certificates).
CREATE TABLE deleted_service_certificates (
    service_key TEXT NOT NULL REFERENCES deleted_hosted_services (name_key),
    thumbprint  TEXT NOT NULL,
    der         BLOB NOT NULL,
    sealed_key  BLOB,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (service_key, thumbprint)
);
