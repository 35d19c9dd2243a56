-- Bulk changes of users, kept for a while so they can be undone: who changed what, and each
-- changed user's values before (and their version after, to tell whether they changed since).
CREATE TABLE bulk_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id BIGINT NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
    actor_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    kind TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    undone_at BIGINT
);
CREATE INDEX bulk_changes_company ON bulk_changes(company_id, created_at);

-- No foreign key to users: a user deleted since stays listed, and the undo says so.
CREATE TABLE bulk_change_items (
    change_id BIGINT NOT NULL REFERENCES bulk_changes(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL,
    version_after BIGINT NOT NULL,
    -- Their role on the root account before (NULL: none).
    role_id BIGINT REFERENCES roles(id) ON DELETE SET NULL,
    status TEXT NOT NULL,
    -- Set while an undo runs: the user is unchanged since and gets restored.
    restore BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (change_id, user_id)
);

-- The changed users' team memberships before a team change.
CREATE TABLE bulk_change_teams (
    change_id BIGINT NOT NULL REFERENCES bulk_changes(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL,
    team_id BIGINT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    PRIMARY KEY (change_id, user_id, team_id)
);
