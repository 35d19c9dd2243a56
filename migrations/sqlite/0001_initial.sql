-- Roster's schema, SQLite dialect. Times are Unix milliseconds (BIGINT), flags are 0/1
-- integers: the same representation works through sqlx's Any driver on both databases.

CREATE TABLE companies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    -- Public code used in join links (/join/<code>).
    code TEXT NOT NULL UNIQUE,
    -- Exactly one owner: the column makes two impossible. Set right after the owner is inserted.
    owner_id BIGINT,
    invitation_validity_days BIGINT NOT NULL DEFAULT 7,
    allow_join_requests BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id BIGINT NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
    -- NULL for the company's root account.
    parent_id BIGINT REFERENCES accounts(id),
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX accounts_company_parent ON accounts(company_id, parent_id);
CREATE UNIQUE INDEX accounts_one_root ON accounts(company_id) WHERE parent_id IS NULL;

CREATE TABLE roles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id BIGINT NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    -- 'owner', 'admin', 'member' for the built-in roles, NULL for custom ones.
    builtin TEXT,
    -- Space-separated permission keys (model::Permission::key).
    permissions TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    UNIQUE (company_id, name)
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id BIGINT NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
    -- The login, lower-cased, unique across companies.
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    phone TEXT NOT NULL DEFAULT '',
    job_title TEXT NOT NULL DEFAULT '',
    country TEXT NOT NULL DEFAULT '',
    locale TEXT NOT NULL DEFAULT 'en',
    time_zone TEXT NOT NULL DEFAULT 'UTC',
    -- 'pending_email', 'pending_approval', 'active', 'deactivated'.
    status TEXT NOT NULL,
    -- argon2id PHC string; NULL until the user sets a password.
    password_hash TEXT,
    -- Bumped on every edit, for optimistic concurrency.
    version BIGINT NOT NULL DEFAULT 1,
    last_seen_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX users_company_name ON users(company_id, name, id);
CREATE INDEX users_company_status_name ON users(company_id, status, name, id);

CREATE TABLE role_assignments (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    role_id BIGINT NOT NULL REFERENCES roles(id),
    PRIMARY KEY (user_id, account_id)
);
CREATE INDEX role_assignments_role ON role_assignments(role_id, user_id);
CREATE INDEX role_assignments_account ON role_assignments(account_id, user_id);

CREATE TABLE teams (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id BIGINT NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (company_id, name)
);

CREATE TABLE team_members (
    team_id BIGINT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members(user_id, team_id);

CREATE TABLE invitations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id BIGINT NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    -- Kept when the inviter is deleted: what they did stays attributed.
    invited_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    invited_by_name TEXT NOT NULL,
    -- SHA-256 of the token; the token itself is only ever in the email.
    token_hash TEXT NOT NULL UNIQUE,
    -- 'pending', 'accepted', 'withdrawn'; 'expired' is computed from expires_at.
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    sent_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    accepted_at BIGINT
);
CREATE INDEX invitations_company_status ON invitations(company_id, status, email);
CREATE INDEX invitations_email ON invitations(email);

-- The role an invitation grants in each account.
CREATE TABLE invitation_accounts (
    invitation_id BIGINT NOT NULL REFERENCES invitations(id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    role_id BIGINT NOT NULL REFERENCES roles(id),
    PRIMARY KEY (invitation_id, account_id)
);

CREATE TABLE invitation_teams (
    invitation_id BIGINT NOT NULL REFERENCES invitations(id) ON DELETE CASCADE,
    team_id BIGINT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    PRIMARY KEY (invitation_id, team_id)
);

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- SHA-256 of the cookie's token.
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    -- Absolute end of the session, whatever the activity.
    expires_at BIGINT NOT NULL,
    ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id BIGINT NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
    actor_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    target_user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    target_label TEXT NOT NULL DEFAULT '',
    before_json TEXT,
    after_json TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX audit_events_company_time ON audit_events(company_id, created_at, id);

-- Durable outbox: written in the same transaction as the change that sends the email.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id BIGINT REFERENCES companies(id) ON DELETE SET NULL,
    kind TEXT NOT NULL,
    to_email TEXT NOT NULL,
    subject TEXT NOT NULL,
    text_body TEXT NOT NULL,
    html_body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    sent_at BIGINT,
    last_error TEXT
);
CREATE INDEX outbox_unsent ON outbox(sent_at, next_attempt_at);

-- Failed sign-ins per key ('email:<address>' or 'ip:<address>'), for throttling.
CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    last_failure_at BIGINT NOT NULL
);
