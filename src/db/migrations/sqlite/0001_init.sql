-- The whole data model of the design (section 3), SQLite dialect.
-- Timestamps are ISO-8601 UTC text; *_updated_at / deleted_at from Clerk
-- are Unix milliseconds.

CREATE TABLE users (
    id               INTEGER PRIMARY KEY,
    clerk_id         TEXT UNIQUE,
    email            TEXT,
    password         TEXT NOT NULL DEFAULT '',
    first_name       TEXT,
    last_name        TEXT,
    username         TEXT,
    image_url        TEXT,
    is_active        INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    is_staff         INTEGER NOT NULL DEFAULT 0 CHECK (is_staff IN (0, 1)),
    is_superuser     INTEGER NOT NULL DEFAULT 0 CHECK (is_superuser IN (0, 1)),
    date_joined      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    last_login       TEXT,
    clerk_updated_at INTEGER,
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
-- Unique when not null, compared case-insensitively.
CREATE UNIQUE INDEX users_email_key ON users (lower(email)) WHERE email IS NOT NULL;

CREATE TABLE organizations (
    id               INTEGER PRIMARY KEY,
    clerk_id         TEXT UNIQUE,
    name             TEXT NOT NULL DEFAULT '',
    slug             TEXT,
    image_url        TEXT,
    clerk_updated_at INTEGER,
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE organization_memberships (
    id               INTEGER PRIMARY KEY,
    clerk_id         TEXT UNIQUE,
    user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organization_id  INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    role             TEXT NOT NULL DEFAULT 'org:member',
    clerk_updated_at INTEGER,
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (user_id, organization_id)
);
CREATE INDEX organization_memberships_org_idx ON organization_memberships (organization_id);

CREATE TABLE webhook_events (
    svix_id     TEXT PRIMARY KEY,
    type        TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('applied', 'ignored', 'failed')),
    error       TEXT,
    payload     TEXT NOT NULL,
    received_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    attempts    INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX webhook_events_received_idx ON webhook_events (received_at);
CREATE INDEX webhook_events_type_idx ON webhook_events (type);
CREATE INDEX webhook_events_status_idx ON webhook_events (status);

CREATE TABLE clerk_tombstones (
    clerk_id   TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    deleted_at INTEGER NOT NULL
);

CREATE TABLE admin_sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    expires_at TEXT NOT NULL
);
CREATE INDEX admin_sessions_user_idx ON admin_sessions (user_id);
CREATE INDEX admin_sessions_expires_idx ON admin_sessions (expires_at);

CREATE TABLE admin_log (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    action      TEXT NOT NULL CHECK (action IN ('add', 'change', 'delete')),
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    object_repr TEXT NOT NULL DEFAULT '',
    message     TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX admin_log_object_idx ON admin_log (object_type, object_id);
CREATE INDEX admin_log_created_idx ON admin_log (created_at);
