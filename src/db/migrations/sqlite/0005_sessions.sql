-- Authorization and sessions (DESIGN section 11).
--
-- organization_memberships.permissions: the membership's permission keys as
-- Clerk sends them in membership payloads, as the text of a JSON array;
-- NULL when unknown (a stub, a row from before this migration), in which
-- case the role's permissions apply.
--
-- sessions: the mirror of Clerk's sessions (session.* webhooks). A token
-- whose session is held here as ended, removed, revoked, expired, abandoned
-- or replaced is refused. Every process reads the refused ones changed
-- since its last look (sessions_status_changed_idx); updated_at is written
-- on each change with the machine's one clock.
ALTER TABLE organization_memberships ADD COLUMN permissions TEXT;

CREATE TABLE sessions (
    id                          INTEGER PRIMARY KEY,
    clerk_id                    TEXT NOT NULL UNIQUE,
    user_id                     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status                      TEXT NOT NULL,
    client_id                   TEXT,
    last_active_organization_id TEXT,
    actor                       TEXT,
    last_active_at              INTEGER,
    expire_at                   INTEGER,
    abandon_at                  INTEGER,
    clerk_updated_at            INTEGER,
    created_at                  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at                  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX sessions_user_idx ON sessions (user_id, last_active_at DESC);
CREATE INDEX sessions_status_changed_idx ON sessions (updated_at)
    WHERE status NOT IN ('active', 'pending');
