-- Search and name uniqueness that ignore case and accents. The keys are folded in Rust
-- (db::search::fold) by every write of a name or email; rows from before this migration get
-- theirs when the server starts (db::search::fill_missing). NULL keys are distinct in unique
-- indexes on both databases, so the indexes stand before the keys are filled.
ALTER TABLE users ADD COLUMN search_key TEXT NOT NULL DEFAULT '';
ALTER TABLE invitations ADD COLUMN search_key TEXT NOT NULL DEFAULT '';
ALTER TABLE roles ADD COLUMN name_key TEXT;
ALTER TABLE teams ADD COLUMN name_key TEXT;
ALTER TABLE accounts ADD COLUMN name_key TEXT;
-- The name sort is by the folded name (then email), so "émile" sorts beside "Emile".
CREATE INDEX users_company_search ON users(company_id, search_key, id);
CREATE INDEX users_company_status_search ON users(company_id, status, search_key, id);
DROP INDEX users_company_name;
DROP INDEX users_company_status_name;
CREATE UNIQUE INDEX roles_company_name_key ON roles(company_id, name_key);
CREATE UNIQUE INDEX teams_company_name_key ON teams(company_id, name_key);
CREATE UNIQUE INDEX accounts_parent_name_key ON accounts(parent_id, name_key);
