-- When an invitation was withdrawn (by an admin, or with its sender's authority), so the
-- Invited tab says "Withdrawn 2 days ago" as it says "Accepted …" from accepted_at. Empty for
-- invitations withdrawn before it was kept, and cleared when one is sent again.
ALTER TABLE invitations ADD COLUMN withdrawn_at BIGINT;
