-- FlowCRM schema, version 15: contact search ignores accents as message search does ("joao"
-- finds "João"; case was already ignored). The trigram index is rebuilt with remove_diacritics.
DROP TRIGGER contacts_fts_insert;
DROP TRIGGER contacts_fts_delete;
DROP TRIGGER contacts_fts_update;
DROP TABLE contacts_fts;
CREATE VIRTUAL TABLE contacts_fts USING fts5 (
    name, profile_name, phone, email, username,
    content = 'contacts', content_rowid = 'id', tokenize = 'trigram remove_diacritics 1'
);
-- Deleted contacts leave no trace in the index (erasure).
INSERT INTO contacts_fts (contacts_fts, rank) VALUES ('secure-delete', 1);
INSERT INTO contacts_fts (contacts_fts) VALUES ('rebuild');

CREATE TRIGGER contacts_fts_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contacts_fts (rowid, name, profile_name, phone, email, username)
    VALUES (new.id, new.name, new.profile_name, new.phone, new.email, new.username);
END;
CREATE TRIGGER contacts_fts_delete AFTER DELETE ON contacts BEGIN
    INSERT INTO contacts_fts (contacts_fts, rowid, name, profile_name, phone, email, username)
    VALUES ('delete', old.id, old.name, old.profile_name, old.phone, old.email, old.username);
END;
CREATE TRIGGER contacts_fts_update AFTER UPDATE OF name, profile_name, phone, email, username ON contacts BEGIN
    INSERT INTO contacts_fts (contacts_fts, rowid, name, profile_name, phone, email, username)
    VALUES ('delete', old.id, old.name, old.profile_name, old.phone, old.email, old.username);
    INSERT INTO contacts_fts (rowid, name, profile_name, phone, email, username)
    VALUES (new.id, new.name, new.profile_name, new.phone, new.email, new.username);
END;
