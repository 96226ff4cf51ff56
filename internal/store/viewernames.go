package store

import (
	"context"
	"strings"
	"time"
)

// MaxViewerNameLength bounds a remembered display name, in bytes; longer
// names are cut (at a rune boundary) before they are stored.
const MaxViewerNameLength = 200

// ViewerNames remembers the display name each tenant's CRM signed for its
// viewers (the host context's viewer name), so admin pages can show
// people rather than CRM user ids.
type ViewerNames interface {
	// RememberViewerName stores name as the viewer's display name in the
	// tenant, replacing the one before; an empty name is ignored.
	RememberViewerName(ctx context.Context, tenant, viewer, name string, at time.Time) error
	// ViewerNames returns the names known for those of ids that have one,
	// by viewer id.
	ViewerNames(ctx context.Context, tenant string, ids []string) (map[string]string, error)
}

// CutViewerName returns name cut to MaxViewerNameLength bytes without
// leaving half a character.
func CutViewerName(name string) string {
	if len(name) <= MaxViewerNameLength {
		return name
	}
	return strings.ToValidUTF8(name[:MaxViewerNameLength], "")
}
