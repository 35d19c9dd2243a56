-- Counts of emails sent (or actions that send them) per key and window, so every instance
-- refuses the same request once a limit is reached: the key names what is counted
-- (`company:<id>:mail`, `user:<id>:email_change`, `ip:<address>:signup`), the window is the
-- start of its day or hour in milliseconds. One upsert both checks and counts.
CREATE TABLE send_counts (
    key TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    sent BIGINT NOT NULL,
    PRIMARY KEY (key, window_start)
);
CREATE INDEX send_counts_window ON send_counts(window_start);

-- A company sends no email until its owner has proven they hold their address; the ones that
-- exist already were created before sign-up was limited and keep sending.
ALTER TABLE companies ADD COLUMN mail_confirmed_at BIGINT;
UPDATE companies SET mail_confirmed_at = created_at;

-- A link that confirms an address works only while its account's security stamp is the one it
-- was sent under: a new password, login email or status ends it.
ALTER TABLE account_tokens ADD COLUMN stamp BIGINT;
