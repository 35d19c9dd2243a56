-- Sessions are bound to their user's security stamp, which moves on when the password, the
-- login email or the status changes: a session made under an older stamp no longer works.
ALTER TABLE users ADD COLUMN security_stamp BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN stamp BIGINT NOT NULL DEFAULT 0;
