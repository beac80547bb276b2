-- Organization management through Clerk (DESIGN section 12): the
-- invitations and domains Clerk holds, mirrored from webhooks, the
-- backfill and the answers of our own writes; and the stored answers of
-- requests that carried an Idempotency-Key.
CREATE TABLE organization_invitations (
    id               INTEGER PRIMARY KEY,
    clerk_id         TEXT NOT NULL UNIQUE,
    organization_id  INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email_address    TEXT NOT NULL DEFAULT '',
    role             TEXT NOT NULL DEFAULT 'org:member',
    status           TEXT NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'accepted', 'revoked', 'expired')),
    inviter_clerk_id TEXT,
    user_clerk_id    TEXT,
    expires_at       INTEGER,
    clerk_updated_at INTEGER,
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX organization_invitations_org_idx
    ON organization_invitations (organization_id, created_at DESC);

CREATE TABLE organization_domains (
    id                        INTEGER PRIMARY KEY,
    clerk_id                  TEXT NOT NULL UNIQUE,
    organization_id           INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name                      TEXT NOT NULL DEFAULT '',
    enrollment_mode           TEXT,
    verified                  INTEGER NOT NULL DEFAULT 0 CHECK (verified IN (0, 1)),
    affiliation_email_address TEXT,
    clerk_updated_at          INTEGER,
    created_at                TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at                TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX organization_domains_org_idx ON organization_domains (organization_id);

-- A request's answer by (key, principal): the user's Clerk id or the
-- machine token's subject. created_at bounds its life (24 h); expired rows
-- are removed in small batches off the request path.
CREATE TABLE idempotency_keys (
    key          TEXT NOT NULL,
    principal    TEXT NOT NULL,
    method       TEXT NOT NULL,
    path         TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER,
    body         TEXT,
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (key, principal)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
