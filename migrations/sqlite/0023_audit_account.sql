-- The account an audit event's change applied to (a role given on it, an account created or
-- moved, a bulk change on the root account), kept by number and by its name at the time like
-- actor_ref and target_ref: an account deleted since still shows under its old name, and the
-- chain (server/db/chain.rs) covers both.
ALTER TABLE audit_events ADD COLUMN account_ref BIGINT;
ALTER TABLE audit_events ADD COLUMN account_label TEXT;
-- The events of an account, newest first (the log's account filter).
CREATE INDEX audit_events_account_time ON audit_events(account_ref, created_at, id);
-- The actor's and target's names as recorded, folded like the users' search keys
-- (db::search::fold), so the log's search ignores case and accents on both databases. Not
-- chained: it is derived from chained fields. Empty until db::search::fill_missing folds it.
ALTER TABLE audit_events ADD COLUMN search_key TEXT NOT NULL DEFAULT '';
-- The events still to fold, found at start-up without reading the log.
CREATE INDEX audit_events_unkeyed ON audit_events(id) WHERE search_key = '';
