-- Self-service profile: the address an email change waits to verify, and each user's
-- notification preferences (0/1 flags).
ALTER TABLE account_tokens ADD COLUMN new_email TEXT;
ALTER TABLE users ADD COLUMN notify_desktop BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN notify_badge BIGINT NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN notify_sounds BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN email_invitee_joined BIGINT NOT NULL DEFAULT 1;
