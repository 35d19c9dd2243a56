-- The name an inviter typed with the address ("Ana Ruiz <ana@x.com>"), to start the
-- acceptance form with.
ALTER TABLE invitations ADD COLUMN name TEXT NOT NULL DEFAULT '';

-- The Invited tab lists a company's invitations newest first.
CREATE INDEX invitations_company_id ON invitations(company_id, id);
