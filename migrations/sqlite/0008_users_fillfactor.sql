-- PostgreSQL step only (users' fillfactor, for HOT updates): SQLite updates a row in place
-- and rewrites only the indexes whose columns change.
SELECT 1;
