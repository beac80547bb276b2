-- "mysaas clerk sync" also backfills the role and permission catalog and
-- the organizations' invitations and domains (DESIGN section 12.3): their
-- counts per run, in the shape of 0003's (seen, applied, unchanged,
-- failed), and their object types among the changes a run records.
ALTER TABLE clerk_sync_runs ADD COLUMN roles_seen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clerk_sync_runs ADD COLUMN roles_applied INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clerk_sync_runs ADD COLUMN roles_unchanged INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clerk_sync_runs ADD COLUMN roles_failed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clerk_sync_runs ADD COLUMN permissions_seen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clerk_sync_runs ADD COLUMN permissions_applied INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clerk_sync_runs ADD COLUMN permissions_unchanged INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clerk_sync_runs ADD COLUMN permissions_failed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clerk_sync_runs ADD COLUMN invitations_seen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clerk_sync_runs ADD COLUMN invitations_applied INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clerk_sync_runs ADD COLUMN invitations_unchanged INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clerk_sync_runs ADD COLUMN invitations_failed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clerk_sync_runs ADD COLUMN domains_seen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clerk_sync_runs ADD COLUMN domains_applied INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clerk_sync_runs ADD COLUMN domains_unchanged INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clerk_sync_runs ADD COLUMN domains_failed INTEGER NOT NULL DEFAULT 0;

-- SQLite cannot change a CHECK constraint: the table is built again under
-- a new name, filled, and takes the old one's place and indexes (the
-- procedure of SQLite's "Making Other Kinds Of Table Schema Changes").
-- Nothing refers to clerk_sync_changes, and this runs inside the
-- migration's transaction, so no reader ever sees it half done.
CREATE TABLE clerk_sync_changes_new (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL REFERENCES clerk_sync_runs (id) ON DELETE CASCADE,
    object_type TEXT NOT NULL CHECK (object_type IN ('users.user',
                'users.organization', 'users.organizationmembership',
                'users.role', 'users.permission',
                'users.organizationinvitation', 'users.organizationdomain')),
    clerk_id    TEXT NOT NULL,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
INSERT INTO clerk_sync_changes_new (id, run_id, object_type, clerk_id, created_at)
    SELECT id, run_id, object_type, clerk_id, created_at FROM clerk_sync_changes;
DROP TABLE clerk_sync_changes;
ALTER TABLE clerk_sync_changes_new RENAME TO clerk_sync_changes;
CREATE INDEX clerk_sync_changes_clerk_idx ON clerk_sync_changes (clerk_id, run_id);
CREATE INDEX clerk_sync_changes_run_idx ON clerk_sync_changes (run_id, id);
