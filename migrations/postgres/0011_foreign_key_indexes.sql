-- Every foreign key that cascades or sets null on delete gets an index led by its column, so
-- deleting the parent row finds its children through the index instead of scanning the whole
-- child table once per deleted row (a company's bulk delete of users scanned the audit trail,
-- shared by every company, twice per user while holding SQLite's one write lock).
-- tests/schema.rs checks that none is left out.
CREATE INDEX IF NOT EXISTS audit_events_actor ON audit_events(actor_id);
CREATE INDEX IF NOT EXISTS audit_events_target_user ON audit_events(target_user_id);
CREATE INDEX IF NOT EXISTS invitations_invited_by ON invitations(invited_by);
CREATE INDEX IF NOT EXISTS invitation_accounts_account ON invitation_accounts(account_id);
CREATE INDEX IF NOT EXISTS invitation_teams_team ON invitation_teams(team_id);
CREATE INDEX IF NOT EXISTS outbox_company ON outbox(company_id);
CREATE INDEX IF NOT EXISTS bulk_changes_actor ON bulk_changes(actor_id);
CREATE INDEX IF NOT EXISTS bulk_change_items_role ON bulk_change_items(role_id);
CREATE INDEX IF NOT EXISTS bulk_change_teams_team ON bulk_change_teams(team_id);
