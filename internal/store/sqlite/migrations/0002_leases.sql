-- Leases make background work (export polling and submission, compliance
-- archiving) run once among instances sharing a database: one row per
-- held lease, expires_at in Unix milliseconds.
CREATE TABLE IF NOT EXISTS leases (
	name TEXT PRIMARY KEY,
	owner TEXT NOT NULL,
	expires_at INTEGER NOT NULL
);
