-- SQLite's counterpart of migration 0017: FTS5 trigram tables over the search keys, kept by
-- triggers. PostgreSQL already searches through its pg_trgm indexes (0017).
SELECT 1;
