-- Browsers that signed in to an account before ("known devices"): a long-lived cookie's token,
-- stored as its SHA-256. A known device of the account is not held back by other addresses'
-- failed sign-ins (see the README's sign-in throttling policy).
CREATE TABLE known_devices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
CREATE INDEX known_devices_user ON known_devices(user_id);
