-- Search reads a trigram index over the folded search keys instead of scanning a company's
-- users: LIKE '%term%' uses a pg_trgm GIN index (pg_trgm ships with PostgreSQL's contrib,
-- which Debian's and the official images include). SQLite's counterpart comes with FTS5.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX users_search_trgm ON users USING gin (search_key gin_trgm_ops);
CREATE INDEX invitations_search_trgm ON invitations USING gin (search_key gin_trgm_ops);
