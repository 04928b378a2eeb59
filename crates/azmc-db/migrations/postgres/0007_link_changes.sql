-- What each bump of links_revision changed: the subscription, and the certificate
-- (thumbprint) whose links changed, or NULL when the subscription's status changed.
-- Nodes read the rows after the revision they hold and re-read only those keys
-- (Db::link_changes_since) instead of every link; old rows are pruned
-- (Db::prune_link_changes), and a node that has fallen behind the pruned rows reloads
-- everything.
CREATE TABLE link_changes (
    revision BIGINT NOT NULL,
    subscription_id TEXT NOT NULL,
    thumbprint TEXT
);
CREATE INDEX link_changes_by_revision ON link_changes (revision);
