-- The runs of "mysaas clerk sync" and the objects each one changed, so an
-- object's history in the admin can name the runs that wrote it.
--
-- A run is inserted 'running' when the command starts and set to
-- 'completed' or 'failed' when it ends; a run that was interrupted (killed,
-- crashed, lost its database) stays 'running'. The counts are per kind:
-- seen (items read from the Backend API), applied (the mirror changed),
-- unchanged (already mirrored, or older than the mirror) and failed (not
-- appliable). A change row is written in the transaction that applied the
-- change, so it exists exactly when the change was committed.

CREATE TABLE clerk_sync_runs (
    id                      INTEGER PRIMARY KEY,
    status                  TEXT NOT NULL DEFAULT 'running'
                            CHECK (status IN ('running', 'completed', 'failed')),
    started_at              TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    finished_at             TEXT,
    error                   TEXT,
    organizations_seen      INTEGER NOT NULL DEFAULT 0,
    organizations_applied   INTEGER NOT NULL DEFAULT 0,
    organizations_unchanged INTEGER NOT NULL DEFAULT 0,
    organizations_failed    INTEGER NOT NULL DEFAULT 0,
    users_seen              INTEGER NOT NULL DEFAULT 0,
    users_applied           INTEGER NOT NULL DEFAULT 0,
    users_unchanged         INTEGER NOT NULL DEFAULT 0,
    users_failed            INTEGER NOT NULL DEFAULT 0,
    memberships_seen        INTEGER NOT NULL DEFAULT 0,
    memberships_applied     INTEGER NOT NULL DEFAULT 0,
    memberships_unchanged   INTEGER NOT NULL DEFAULT 0,
    memberships_failed      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX clerk_sync_runs_status_idx ON clerk_sync_runs (status);

-- object_type as in admin_log.object_type.
CREATE TABLE clerk_sync_changes (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL REFERENCES clerk_sync_runs (id) ON DELETE CASCADE,
    object_type TEXT NOT NULL CHECK (object_type IN ('users.user',
                'users.organization', 'users.organizationmembership')),
    clerk_id    TEXT NOT NULL,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
-- An object's runs, newest first (its history page); a run's objects.
CREATE INDEX clerk_sync_changes_clerk_idx ON clerk_sync_changes (clerk_id, run_id);
CREATE INDEX clerk_sync_changes_run_idx ON clerk_sync_changes (run_id, id);
