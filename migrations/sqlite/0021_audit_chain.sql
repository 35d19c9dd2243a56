-- The audit log's tamper-evident chain (server/db/chain.rs) and its retention.
--
-- Each event stores `hash`: HMAC-SHA-256 over the previous event's hash and the event's
-- canonical form. The people an event names are kept as plain numbers too (actor_ref,
-- target_ref): actor_id and target_user_id become NULL when a person is deleted, and the hash
-- must still be recomputable then.
ALTER TABLE audit_events ADD COLUMN actor_ref BIGINT;
ALTER TABLE audit_events ADD COLUMN target_ref BIGINT;
ALTER TABLE audit_events ADD COLUMN hash TEXT;
UPDATE audit_events SET actor_ref = actor_id, target_ref = target_user_id;

-- Each company's chain head: the last event chained and its hash. Writers of a company's events
-- update this row first, so they take turns on both databases and the chain never forks.
-- legacy_upto: the events written before this migration (id <= legacy_upto) are not chained;
-- the chain starts after them, from a first hash that binds legacy_upto.
CREATE TABLE audit_chain (
    company_id BIGINT PRIMARY KEY REFERENCES companies(id) ON DELETE CASCADE,
    last_id BIGINT NOT NULL DEFAULT 0,
    last_hash TEXT NOT NULL DEFAULT '',
    legacy_upto BIGINT NOT NULL DEFAULT 0
);
INSERT INTO audit_chain (company_id, legacy_upto)
SELECT c.id, COALESCE((SELECT MAX(e.id) FROM audit_events e WHERE e.company_id = c.id), 0) FROM companies c;

-- How long a company keeps its audit events (30 to 3,650 days).
ALTER TABLE companies ADD COLUMN audit_retention_days BIGINT NOT NULL DEFAULT 365;

-- Jobs that any instance may run but only one at a time: whoever moves `until` past now holds it.
CREATE TABLE job_leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL DEFAULT '',
    until BIGINT NOT NULL DEFAULT 0,
    last_run BIGINT NOT NULL DEFAULT 0
);
INSERT INTO job_leases (name) VALUES ('audit_retention');
