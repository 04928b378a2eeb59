-- azmc database schema, version 5: the portal (sqlite dialect; in lockstep with ../postgres/0005_portal.sql).

-- Portal sign-in sessions. The cookie holds a random 256-bit token; only its SHA-256 is
-- stored, so a copy of the database does not let anyone sign in. Several server nodes on
-- one PostgreSQL share the sessions.
CREATE TABLE portal_sessions (
    token_hash   TEXT PRIMARY KEY,         -- 64 lower-case hex digits: SHA-256 of the token
    username_key TEXT NOT NULL REFERENCES accounts (username_key),
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,          -- idle expiry counts from here
    expires_at   BIGINT NOT NULL           -- absolute expiry
);
CREATE INDEX portal_sessions_by_account ON portal_sessions (username_key);

-- When a management certificate last authenticated an API request on a subscription.
-- Written in batches by the server (never once per request), so it may lag by up to a
-- minute.
ALTER TABLE certificate_links ADD COLUMN last_used_at BIGINT;
