-- The instance's role and permission catalog (role.* and permission.*
-- webhooks, "mysaas clerk sync"): what an organization-scoped route's
-- requirement reads when a membership's own permissions are unknown.
-- A role event carries its complete permission list, which replaces the
-- role's rows in role_permissions.
CREATE TABLE roles (
    id               INTEGER PRIMARY KEY,
    clerk_id         TEXT NOT NULL UNIQUE,
    key              TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL DEFAULT '',
    description      TEXT,
    clerk_updated_at INTEGER,
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE permissions (
    id               INTEGER PRIMARY KEY,
    clerk_id         TEXT NOT NULL UNIQUE,
    key              TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL DEFAULT '',
    description      TEXT,
    type             TEXT,
    clerk_updated_at INTEGER,
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE role_permissions (
    role_id       INTEGER NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    permission_id INTEGER NOT NULL REFERENCES permissions (id) ON DELETE CASCADE,
    PRIMARY KEY (role_id, permission_id)
);
CREATE INDEX role_permissions_permission_idx ON role_permissions (permission_id);
