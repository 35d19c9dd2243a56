-- Delivery of the outbox by SMTP (src/server/mailer.rs). A row is pending while sent_at and
-- failed_at are both NULL; failed_at marks a message given up after its last attempt.
ALTER TABLE outbox ADD COLUMN failed_at BIGINT;

-- The worker's query: pending rows whose next attempt is due, oldest first. Only pending
-- rows are in the index, so it stays small however much mail has been sent.
DROP INDEX outbox_unsent;
CREATE INDEX outbox_due ON outbox(next_attempt_at, id) WHERE sent_at IS NULL AND failed_at IS NULL;
