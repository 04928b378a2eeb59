-- The OS images a subscription added (Add OS Image; the platform catalogue is built into
-- the server, not stored). Names are unique per subscription, compared through name_key.
-- properties holds the optional descriptive fields (Eula, Description, ImageFamily,
-- ShowInGui, PublishedDate, IsPremium, IconUri, PrivacyUri, RecommendedVMSize,
-- SmallIconUri, Language) as a JSON array of [name, value] pairs; replicated_to the
-- regions of Replicate OS Image, as a JSON array.
--
-- Kept in lockstep with ../postgres/0014_os_images.sql.
CREATE TABLE os_images (
    subscription_id  TEXT NOT NULL REFERENCES subscriptions (id),
    name_key         TEXT NOT NULL,
    name             TEXT NOT NULL,
    label            TEXT NOT NULL,
    os               TEXT NOT NULL CHECK (os IN ('Linux', 'Windows')),
    media_link       TEXT NOT NULL,
    location         TEXT NOT NULL,
    logical_size_gb  BIGINT NOT NULL,
    properties       TEXT NOT NULL,
    replicated_to    TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    modified_at      BIGINT NOT NULL,
    PRIMARY KEY (subscription_id, name_key)
);
