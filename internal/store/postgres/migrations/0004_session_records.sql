-- A widget session token refers to its records instead of carrying them:
-- they are kept with the host context id the session was opened from, in
-- the one write that remembers that id (empty for ids remembered without
-- records), and purged with it.
ALTER TABLE used_jtis ADD COLUMN records BYTEA NOT NULL DEFAULT ''::bytea;
