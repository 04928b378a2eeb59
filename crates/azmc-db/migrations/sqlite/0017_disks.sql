-- The disk repository (Add Disk): a subscription's OS and data disks, each on its own VHD
-- blob. Names are unique per subscription (name_key, folded); so are media links (one
-- disk per blob, compared folded to lower case through media_key). os is NULL for a data
-- disk. The attachment columns stay NULL until virtual machines use disks.
--
-- Kept in lockstep with ../postgres/0017_disks.sql.
CREATE TABLE disks (
    subscription_id  TEXT NOT NULL REFERENCES subscriptions (id),
    name_key         TEXT NOT NULL,
    name             TEXT NOT NULL,
    label            TEXT NOT NULL,
    os               TEXT CHECK (os IS NULL OR os IN ('Linux', 'Windows')),
    media_link       TEXT NOT NULL,
    media_key        TEXT NOT NULL,
    location         TEXT NOT NULL,
    size_gb          BIGINT NOT NULL,
    source_image     TEXT,
    attached_service    TEXT,
    attached_deployment TEXT,
    attached_role       TEXT,
    created_at       BIGINT NOT NULL,
    modified_at      BIGINT NOT NULL,
    PRIMARY KEY (subscription_id, name_key),
    UNIQUE (subscription_id, media_key)
);
