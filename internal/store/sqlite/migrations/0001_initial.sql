-- Version 1: the schema snapbridge created with CREATE ... IF NOT EXISTS
-- before versioned migrations. Every statement is idempotent, so it applies
-- cleanly over a database made by those versions, which are then recorded
-- as version 1 without any change to their tables.

CREATE TABLE IF NOT EXISTS member_tokens (
	tenant TEXT NOT NULL,
	viewer TEXT NOT NULL,
	key_id TEXT NOT NULL,
	sealed BLOB NOT NULL,
	expires_at INTEGER NOT NULL,
	refresh_expires_at INTEGER NOT NULL DEFAULT 0,
	status TEXT NOT NULL,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (tenant, viewer)
);

CREATE TABLE IF NOT EXISTS oauth_states (
	kind TEXT NOT NULL,
	id_hash TEXT NOT NULL,
	tenant TEXT NOT NULL,
	viewer TEXT NOT NULL,
	session_id TEXT NOT NULL,
	payload BLOB NOT NULL,
	expires_at INTEGER NOT NULL,
	PRIMARY KEY (kind, id_hash)
);

CREATE INDEX IF NOT EXISTS oauth_states_expiry ON oauth_states (expires_at);

CREATE INDEX IF NOT EXISTS oauth_states_owner ON oauth_states (kind, tenant, viewer, session_id);

CREATE TABLE IF NOT EXISTS used_jtis (
	tenant TEXT NOT NULL,
	jti TEXT NOT NULL,
	expires_at INTEGER NOT NULL,
	PRIMARY KEY (tenant, jti)
);

CREATE INDEX IF NOT EXISTS used_jtis_expiry ON used_jtis (expires_at);

CREATE TABLE IF NOT EXISTS lookup_budget (
	tenant TEXT NOT NULL,
	day TEXT NOT NULL,
	record_id TEXT NOT NULL,
	PRIMARY KEY (tenant, day, record_id)
);

CREATE TABLE IF NOT EXISTS lookup_budget_forced (
	tenant TEXT NOT NULL,
	day TEXT NOT NULL,
	lookups INTEGER NOT NULL,
	PRIMARY KEY (tenant, day)
);

CREATE TABLE IF NOT EXISTS analytics_exports (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant TEXT NOT NULL,
	viewer TEXT NOT NULL,
	actor TEXT NOT NULL,
	contract TEXT NOT NULL,
	action TEXT NOT NULL,
	start_at INTEGER NOT NULL,
	end_at INTEGER NOT NULL,
	status TEXT NOT NULL,
	linkedin_status TEXT NOT NULL DEFAULT '',
	message TEXT NOT NULL DEFAULT '',
	linkedin_id INTEGER NOT NULL DEFAULT 0,
	row_count INTEGER NOT NULL DEFAULT 0,
	download_url TEXT NOT NULL DEFAULT '',
	url_expires_at INTEGER NOT NULL DEFAULT 0,
	polls INTEGER NOT NULL DEFAULT 0,
	next_poll_at INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	submitted_at INTEGER NOT NULL DEFAULT 0,
	finished_at INTEGER NOT NULL DEFAULT 0,
	updated_at INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS analytics_exports_queue ON analytics_exports (status, tenant, contract, action, id);

CREATE TABLE IF NOT EXISTS validation_exports (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant TEXT NOT NULL,
	actor TEXT NOT NULL,
	crm_instance TEXT NOT NULL,
	linkedin_id INTEGER NOT NULL,
	status TEXT NOT NULL,
	linkedin_status TEXT NOT NULL DEFAULT '',
	message TEXT NOT NULL DEFAULT '',
	export_start_at INTEGER NOT NULL,
	export_end_at INTEGER NOT NULL DEFAULT 0,
	next_export_start_at INTEGER NOT NULL DEFAULT 0,
	download_urls TEXT NOT NULL DEFAULT '[]',
	url_expires_at INTEGER NOT NULL DEFAULT 0,
	polls INTEGER NOT NULL DEFAULT 0,
	next_poll_at INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	submitted_at INTEGER NOT NULL DEFAULT 0,
	finished_at INTEGER NOT NULL DEFAULT 0,
	updated_at INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS validation_exports_status ON validation_exports (status, next_poll_at);

CREATE TABLE IF NOT EXISTS validation_cursors (
	tenant TEXT PRIMARY KEY,
	next_export_start_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS compliance_viewers (
	tenant TEXT NOT NULL,
	viewer TEXT NOT NULL,
	member TEXT NOT NULL DEFAULT '',
	developer_application TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL,
	opted_in_at INTEGER NOT NULL DEFAULT 0,
	regulated_at INTEGER NOT NULL DEFAULT 0,
	cursor INTEGER NOT NULL DEFAULT 0,
	last_sync_at INTEGER NOT NULL DEFAULT 0,
	last_attempt_at INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	last_check_at INTEGER NOT NULL DEFAULT 0,
	status_changed_at INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (tenant, viewer)
);

CREATE TABLE IF NOT EXISTS compliance_events (
	tenant TEXT NOT NULL,
	viewer TEXT NOT NULL,
	id TEXT NOT NULL,
	processed_at INTEGER NOT NULL,
	raw BLOB NOT NULL,
	archived_at INTEGER NOT NULL,
	PRIMARY KEY (tenant, viewer, id)
);

CREATE INDEX IF NOT EXISTS compliance_events_time ON compliance_events (tenant, processed_at, viewer, id);

CREATE TABLE IF NOT EXISTS compliance_runs (
	tenant TEXT NOT NULL,
	viewer TEXT NOT NULL,
	at INTEGER NOT NULL,
	ok INTEGER NOT NULL,
	error TEXT NOT NULL DEFAULT '',
	fetched INTEGER NOT NULL DEFAULT 0,
	archived INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX IF NOT EXISTS compliance_runs_viewer ON compliance_runs (tenant, viewer, at);

CREATE TABLE IF NOT EXISTS tenants (
	id TEXT PRIMARY KEY,
	config BLOB NOT NULL,
	key_id TEXT NOT NULL,
	sealed BLOB NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS api_keys (
	id TEXT PRIMARY KEY,
	tenant TEXT NOT NULL,
	name TEXT NOT NULL,
	secret_hash BLOB NOT NULL,
	created_by TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	last_used_at INTEGER NOT NULL DEFAULT 0,
	revoked_at INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX IF NOT EXISTS api_keys_tenant ON api_keys (tenant, created_at);

CREATE TABLE IF NOT EXISTS audit_log (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant TEXT NOT NULL,
	actor TEXT NOT NULL,
	action TEXT NOT NULL,
	detail TEXT NOT NULL DEFAULT '',
	at INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS audit_log_tenant ON audit_log (tenant, id);

CREATE TABLE IF NOT EXISTS readiness (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	probes INTEGER NOT NULL,
	checked_at INTEGER NOT NULL
);
