-- Who saved a segment: its creator (or an admin) may rename or delete it. Segments saved before
-- this version have no creator and are admins' to change.
ALTER TABLE segments ADD COLUMN created_by INTEGER REFERENCES users (id) ON DELETE SET NULL;
