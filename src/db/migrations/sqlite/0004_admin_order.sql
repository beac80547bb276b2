-- The users changelist's default order (email, case-insensitive, users
-- without an email last) straight from an index: a page of 100 out of
-- 100,000 users reads about 100 index entries instead of sorting them all.
CREATE INDEX users_email_order_idx ON users ((email IS NULL), lower(email));
