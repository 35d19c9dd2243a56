-- Room on every page of users for a new row version beside the old one, so that updates of
-- unindexed columns (version, updated_at: every bulk change bumps them for each changed user)
-- are HOT updates that touch none of the table's six indexes.
ALTER TABLE users SET (fillfactor = 80);
