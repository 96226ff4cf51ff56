-- Browsers' sign-ins to a tenant's CRM identity provider (a Dynamics 365
-- seller's Entra ID refresh token), sealed with the key ring; the browser
-- holds only a random handle, of which the SHA-256 is kept here. Times in
-- Unix milliseconds.
CREATE TABLE IF NOT EXISTS host_grants (
	tenant TEXT NOT NULL,
	handle_hash TEXT NOT NULL,
	subject TEXT NOT NULL,
	key_id TEXT NOT NULL,
	sealed BYTEA NOT NULL,
	expires_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (tenant, handle_hash)
);
