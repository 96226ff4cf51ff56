-- The display name each tenant's CRM last signed for a viewer (the host
-- context's viewer name), so admin pages show people rather than CRM user
-- ids; seen_at in Unix milliseconds.
CREATE TABLE IF NOT EXISTS viewer_names (
	tenant TEXT NOT NULL,
	viewer TEXT NOT NULL,
	name TEXT NOT NULL,
	seen_at BIGINT NOT NULL,
	PRIMARY KEY (tenant, viewer)
);
