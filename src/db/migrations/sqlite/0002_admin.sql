-- The admin's failed-login throttle (DESIGN §8): one row per failed login,
-- counted per email and per client address over a sliding window, in the
-- database so that every instance sees the same counts.

CREATE TABLE admin_login_failures (
    id         INTEGER PRIMARY KEY,
    email      TEXT NOT NULL,
    ip         TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX admin_login_failures_email_idx ON admin_login_failures (email, created_at);
CREATE INDEX admin_login_failures_ip_idx ON admin_login_failures (ip, created_at);
CREATE INDEX admin_login_failures_created_idx ON admin_login_failures (created_at);

-- The index page lists the signed-in admin's recent actions.
CREATE INDEX admin_log_user_idx ON admin_log (user_id, id);
CREATE INDEX organization_memberships_role_idx ON organization_memberships (role);
