package admin

import (
	"context"
	"time"

	"github.com/snapbridge/snapbridge/internal/shared"
	"github.com/snapbridge/snapbridge/internal/store"
)

// tenantsChannel carries the id of each tenant created or changed.
const tenantsChannel = "tenants"

// Changes carries tenant changes between instances; shared.State
// satisfies it.
type Changes interface {
	Publish(ctx context.Context, channel, message string) error
	Subscribe(channel string, fn func(message string)) (stop func())
}

// announce tells the other instances that tenant id was stored. A failure
// is logged: the others then serve the old settings until they restart.
func (s *Service) announce(ctx context.Context, id string) {
	if s.Changes == nil {
		return
	}
	if err := s.Changes.Publish(ctx, tenantsChannel, id); err != nil {
		s.Logger.WarnContext(ctx, "could not tell the other instances of a tenant change", "tenant", id, "err", err.Error())
	}
}

// FollowChanges applies, until stop is called, the tenant changes other
// instances announce: the tenant is read again from the database into the
// registry and its app tokens cached here are forgotten. Without Changes
// it does nothing.
func (s *Service) FollowChanges() (stop func()) {
	if s.Changes == nil {
		return func() {}
	}
	return s.Changes.Subscribe(tenantsChannel, func(id string) {
		// Not on the subscription's goroutine: an in-process publisher
		// holds s.mu while it announces.
		if id == shared.MissedMessages {
			id = "" // edits made elsewhere while Redis was away: read every tenant
		}
		go s.reload(id)
	})
}

// reload reads tenant id ("" for every tenant) from the database into the
// registry. It holds s.mu from the read to the last Put, so reloads and
// this instance's own edits apply one at a time, each from what the
// database held when it started: an older read never lands after a
// newer one.
func (s *Service) reload(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s.mu.Lock()
	defer s.mu.Unlock()
	rows, err := s.Store.StoredTenants(ctx)
	if err != nil {
		s.Logger.WarnContext(ctx, "could not reload a tenant another instance changed", "tenant", id, "err", err.Error())
		return
	}
	for _, row := range rows {
		if id != "" && row.ID != id {
			continue
		}
		if err := s.reloadRow(row); err != nil {
			// One tenant that cannot be read does not keep the others stale.
			s.Logger.WarnContext(ctx, "could not reload a tenant another instance changed", "tenant", row.ID, "err", err.Error())
		}
	}
}

// reloadRow puts one stored tenant into the registry and forgets the app
// tokens cached for it. The caller holds s.mu.
func (s *Service) reloadRow(row store.TenantRow) error {
	t, err := s.tenantOf(row)
	if err != nil {
		return err
	}
	if _, _, err = s.Tenants.Put(t); err != nil {
		return err
	}
	if s.AppTokens != nil {
		s.AppTokens.Invalidate(row.ID, "")
	}
	return nil
}
