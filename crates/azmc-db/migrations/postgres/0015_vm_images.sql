-- The VM images a subscription made (Create VM Image; the platform catalogue is the
-- server's). document is the image as the server answers it (its own VMImage XML), kept
-- opaque here; names are unique per subscription, compared through name_key.
--
-- Kept in lockstep with ../sqlite/0015_vm_images.sql.
CREATE TABLE vm_images (
    subscription_id TEXT NOT NULL REFERENCES subscriptions (id),
    name_key        TEXT NOT NULL,
    name            TEXT NOT NULL,
    document        TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    modified_at     BIGINT NOT NULL,
    PRIMARY KEY (subscription_id, name_key)
);
