-- Searches of one or two characters from the trigram index (db::search::condition). Every key
-- now ends with two more separators (char 31), as db::search::person_key writes them, so each
-- character of a key begins one of its trigrams: the trigrams that start with a short term
-- then find every key that holds it. They are read from the index's vocabulary, whose terms
-- lie in order. Keys still empty are left for db::search::fill_missing.
UPDATE users SET search_key = search_key || char(31, 31) WHERE search_key <> '';
UPDATE invitations SET search_key = search_key || char(31, 31) WHERE search_key <> '';
CREATE VIRTUAL TABLE users_fts_terms USING fts5vocab(users_fts, 'row');
