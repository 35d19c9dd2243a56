-- Search reads an index instead of scanning a company's users: an FTS5 table with the trigram
-- tokenizer over the folded search keys of users and of invitations (SQLite 3.34+; sqlx
-- bundles 3.46 built with FTS5). A term of three or more characters is a phrase of its
-- trigrams, which matches exactly the keys that contain it (db::search::condition); shorter
-- terms keep the LIKE scan. The tables are external-content tables: they keep only the
-- index, read the key from users and invitations, and the triggers below keep them in step
-- with every insert, change of key and delete.
CREATE VIRTUAL TABLE users_fts USING fts5(search_key, content='users', content_rowid='id', tokenize='trigram');
INSERT INTO users_fts(users_fts) VALUES ('rebuild');
CREATE TRIGGER users_fts_insert AFTER INSERT ON users BEGIN
    INSERT INTO users_fts(rowid, search_key) VALUES (new.id, new.search_key);
END;
CREATE TRIGGER users_fts_delete AFTER DELETE ON users BEGIN
    INSERT INTO users_fts(users_fts, rowid, search_key) VALUES ('delete', old.id, old.search_key);
END;
CREATE TRIGGER users_fts_update AFTER UPDATE OF search_key ON users
WHEN old.search_key IS NOT new.search_key BEGIN
    INSERT INTO users_fts(users_fts, rowid, search_key) VALUES ('delete', old.id, old.search_key);
    INSERT INTO users_fts(rowid, search_key) VALUES (new.id, new.search_key);
END;

CREATE VIRTUAL TABLE invitations_fts USING fts5(search_key, content='invitations', content_rowid='id', tokenize='trigram');
INSERT INTO invitations_fts(invitations_fts) VALUES ('rebuild');
CREATE TRIGGER invitations_fts_insert AFTER INSERT ON invitations BEGIN
    INSERT INTO invitations_fts(rowid, search_key) VALUES (new.id, new.search_key);
END;
CREATE TRIGGER invitations_fts_delete AFTER DELETE ON invitations BEGIN
    INSERT INTO invitations_fts(invitations_fts, rowid, search_key) VALUES ('delete', old.id, old.search_key);
END;
CREATE TRIGGER invitations_fts_update AFTER UPDATE OF search_key ON invitations
WHEN old.search_key IS NOT new.search_key BEGIN
    INSERT INTO invitations_fts(invitations_fts, rowid, search_key) VALUES ('delete', old.id, old.search_key);
    INSERT INTO invitations_fts(rowid, search_key) VALUES (new.id, new.search_key);
END;
