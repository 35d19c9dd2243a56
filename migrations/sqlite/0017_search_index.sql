-- PostgreSQL gets a trigram index over the folded search keys here (pg_trgm). SQLite's
-- counterpart (an FTS5 trigram table) needs its own query and comes later; until then
-- search scans the company's users in name order, as before.
SELECT 1;
