-- A subscription's network configuration (Set Network Configuration): the document as it
-- was sent (answered unchanged by Get Network Configuration), with the counts Get
-- Subscription reports and the limits are checked against; and a stable id for each
-- virtual network site, kept while a site of that name stays in the configuration.
--
-- Kept in lockstep with ../sqlite/0013_network_configuration.sql.
CREATE TABLE network_configurations (
    subscription_id       TEXT PRIMARY KEY REFERENCES subscriptions (id),
    document              TEXT NOT NULL,
    virtual_network_sites BIGINT NOT NULL,
    local_network_sites   BIGINT NOT NULL,
    dns_servers           BIGINT NOT NULL,
    modified_at           BIGINT NOT NULL
);

CREATE TABLE virtual_network_site_ids (
    subscription_id TEXT NOT NULL REFERENCES subscriptions (id),
    name_key        TEXT NOT NULL,             -- the site's name folded to lower case
    id              TEXT NOT NULL,             -- a GUID
    PRIMARY KEY (subscription_id, name_key)
);
