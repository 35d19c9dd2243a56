-- Every emailed link now works only under the security stamp it was sent with (a new
-- password, login email or status ends it). Links sent before this change carry no stamp:
-- they keep working under the stamp their account has now.
UPDATE account_tokens
SET stamp = (SELECT security_stamp FROM users WHERE users.id = account_tokens.user_id)
WHERE stamp IS NULL AND used_at IS NULL;
