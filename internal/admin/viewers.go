package admin

import (
	"context"
	"strings"

	"github.com/snapbridge/snapbridge/internal/wire"
)

// RememberViewer keeps the display name the tenant's CRM signed for v, so
// the console can name the people in its audit log, export and archive
// lists. A failure is logged: nobody's request fails for a name.
func (s *Service) RememberViewer(ctx context.Context, tenantID string, v wire.Viewer) {
	if v.ID == "" || v.Name == "" {
		return
	}
	if err := s.Store.RememberViewerName(ctx, tenantID, v.ID, v.Name, s.Now()); err != nil {
		s.Logger.WarnContext(ctx, "viewer name not remembered", "tenant", tenantID, "err", err.Error())
	}
}

// ViewerNames returns the display names known for those of ids that have
// one, by viewer id. A failure is logged and answers what is known: ids
// then show as ids.
func (s *Service) ViewerNames(ctx context.Context, tenantID string, ids []string) map[string]string {
	names, err := s.Store.ViewerNames(ctx, tenantID, ids)
	if err != nil {
		s.Logger.WarnContext(ctx, "viewer names not read", "tenant", tenantID, "err", err.Error())
		return map[string]string{}
	}
	return names
}

// actorNames names the actors of audit entries for people: a viewer by
// the display name their CRM signed ("viewer:<id>"), an API key by its
// name ("apikey:<id>"), the operator as "Operator". Actors it cannot
// name are left out.
func (s *Service) actorNames(ctx context.Context, tenantID string, entries []AuditEntry) map[string]string {
	out := map[string]string{}
	var viewers []string
	wantKeys := false
	for _, e := range entries {
		kind, id, _ := strings.Cut(e.Actor, ":")
		switch kind {
		case "viewer":
			viewers = append(viewers, id)
		case "apikey":
			wantKeys = true
		case "operator":
			out[e.Actor] = "Operator"
		}
	}
	for id, name := range s.ViewerNames(ctx, tenantID, viewers) {
		out["viewer:"+id] = name
	}
	if wantKeys {
		keys, err := s.APIKeys(ctx, tenantID)
		if err != nil {
			s.Logger.WarnContext(ctx, "API key names not read", "tenant", tenantID, "err", err.Error())
		}
		for _, k := range keys {
			out["apikey:"+k.ID] = "API key “" + k.Name + "”"
		}
	}
	return out
}
