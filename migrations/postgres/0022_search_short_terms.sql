-- Every search key ends with two more separators (char 31), as db::search::person_key writes
-- them: on SQLite they let the trigram index answer searches of one or two characters. Keys
-- still empty are left for db::search::fill_missing.
UPDATE users SET search_key = search_key || chr(31) || chr(31) WHERE search_key <> '';
UPDATE invitations SET search_key = search_key || chr(31) || chr(31) WHERE search_key <> '';
