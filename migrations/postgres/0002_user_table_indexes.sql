-- One index per sort order of the users table, each ending in id for the keyset cursor.
CREATE INDEX users_company_email ON users(company_id, email, id);
CREATE INDEX users_company_last_seen ON users(company_id, (COALESCE(last_seen_at, 0)), id);
CREATE INDEX users_company_created ON users(company_id, created_at, id);
-- The Invited tab pages pending invitations newest first.
CREATE INDEX invitations_company_status_id ON invitations(company_id, status, id);
