-- Where each audited change came from.
ALTER TABLE audit_events ADD COLUMN ip TEXT NOT NULL DEFAULT '';

-- Single-use links emailed to a user: account set-up, reactivation (later: password reset,
-- email verification). Only the SHA-256 of the token is stored.
CREATE TABLE account_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX account_tokens_user ON account_tokens(user_id, purpose);
