-- A management certificate link can be disabled without being deleted: disabled_at is
-- when it was disabled (Unix microseconds), NULL while it is enabled. A disabled link
-- still counts against the limits and is still listed, but does not authorise: the
-- authorisation index reads only enabled links (Db::all_links, links_after, links_of).
--
-- Kept in lockstep with ../sqlite/0011_link_disabled.sql.
ALTER TABLE certificate_links ADD COLUMN disabled_at BIGINT;
