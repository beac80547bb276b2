-- "mysaas clerk sync" also backfills the role and permission catalog and
-- the organizations' invitations and domains (DESIGN section 12.3): their
-- counts per run, in the shape of 0003's (seen, applied, unchanged,
-- failed), and their object types among the changes a run records.
ALTER TABLE clerk_sync_runs
    ADD COLUMN roles_seen bigint NOT NULL DEFAULT 0,
    ADD COLUMN roles_applied bigint NOT NULL DEFAULT 0,
    ADD COLUMN roles_unchanged bigint NOT NULL DEFAULT 0,
    ADD COLUMN roles_failed bigint NOT NULL DEFAULT 0,
    ADD COLUMN permissions_seen bigint NOT NULL DEFAULT 0,
    ADD COLUMN permissions_applied bigint NOT NULL DEFAULT 0,
    ADD COLUMN permissions_unchanged bigint NOT NULL DEFAULT 0,
    ADD COLUMN permissions_failed bigint NOT NULL DEFAULT 0,
    ADD COLUMN invitations_seen bigint NOT NULL DEFAULT 0,
    ADD COLUMN invitations_applied bigint NOT NULL DEFAULT 0,
    ADD COLUMN invitations_unchanged bigint NOT NULL DEFAULT 0,
    ADD COLUMN invitations_failed bigint NOT NULL DEFAULT 0,
    ADD COLUMN domains_seen bigint NOT NULL DEFAULT 0,
    ADD COLUMN domains_applied bigint NOT NULL DEFAULT 0,
    ADD COLUMN domains_unchanged bigint NOT NULL DEFAULT 0,
    ADD COLUMN domains_failed bigint NOT NULL DEFAULT 0;

-- The column's CHECK, under the name PostgreSQL gave it in 0003.
ALTER TABLE clerk_sync_changes
    DROP CONSTRAINT clerk_sync_changes_object_type_check,
    ADD CONSTRAINT clerk_sync_changes_object_type_check
        CHECK (object_type IN ('users.user',
                'users.organization', 'users.organizationmembership',
                'users.role', 'users.permission',
                'users.organizationinvitation', 'users.organizationdomain'));
