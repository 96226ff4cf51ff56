-- A tenant's revision counts its saved versions, so a save made on an
-- older version than the stored one is refused (store.Tenants.UpdateTenant)
-- instead of silently overwriting another admin's changes.
ALTER TABLE tenants ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
