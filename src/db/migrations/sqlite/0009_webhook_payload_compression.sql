-- PostgreSQL compresses webhook payloads with lz4 from this migration on
-- (postgres/0009). SQLite stores them as they came: nothing to change;
-- the number is kept so that both backends count their migrations alike.
SELECT 1;
