package linkedin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/snapbridge/snapbridge/internal/restli"
)

// Compliance events paging: LinkedIn answers 1 to 100 events per call, 10
// when not told.
const (
	DefaultComplianceEventCount = 10
	MaxComplianceEventCount     = 100
)

// ComplianceAuthorization says that a developer application archives a
// member's Sales Navigator communications.
type ComplianceAuthorization struct {
	// DeveloperApplication is urn:li:developerApplication:<id>.
	DeveloperApplication string
	// Member is urn:li:person:<id>.
	Member string
	// RegulatedAt is when archiving began; nothing earlier is captured.
	RegulatedAt time.Time
	// Scopes are the compliance products, for now only SALES_NAV.
	Scopes []string
}

// authorizationAnswer is one element of GET /memberComplianceAuthorizations.
type authorizationAnswer struct {
	Key struct {
		DeveloperApplication string `json:"developerApplication"`
		Member               string `json:"member"`
	} `json:"memberComplianceAuthorizationKey"`
	RegulatedAt int64    `json:"regulatedAt"`
	Scopes      []string `json:"memberComplianceScopes"`
}

// OptInCompliance starts archiving the Sales Navigator communications of
// the member whose token (scope r_compliance_sales_nav) is memberToken.
// Only later communications are captured. Never retried: it is a POST.
func (c *Client) OptInCompliance(ctx context.Context, memberToken string) error {
	if err := needToken(memberToken, "member token"); err != nil {
		return fmt.Errorf("compliance opt-in: %w", err)
	}
	_, err := c.send(ctx, request{
		method:    http.MethodPost,
		url:       c.cfg.RestBase + "/memberComplianceAuthorizations",
		bearer:    memberToken,
		body:      struct{}{},
		versioned: true,
	})
	if err != nil {
		return fmt.Errorf("compliance opt-in: %w", err)
	}
	return nil
}

// ComplianceAuthorizations lists the member's compliance authorizations;
// none (not opted in) is an empty list. Retried on 5xx and timeouts; never
// on 429.
func (c *Client) ComplianceAuthorizations(ctx context.Context, memberToken string) ([]ComplianceAuthorization, error) {
	if err := needToken(memberToken, "member token"); err != nil {
		return nil, fmt.Errorf("compliance authorizations: %w", err)
	}
	var ans struct {
		Elements []authorizationAnswer `json:"elements"`
	}
	status, err := c.sendJSON(ctx, request{
		method:     http.MethodGet,
		url:        c.cfg.RestBase + "/memberComplianceAuthorizations",
		bearer:     memberToken,
		versioned:  true,
		idempotent: true,
	}, &ans)
	if err != nil {
		return nil, fmt.Errorf("compliance authorizations: %w", err)
	}
	out := make([]ComplianceAuthorization, 0, len(ans.Elements))
	for _, el := range ans.Elements {
		a := ComplianceAuthorization{
			DeveloperApplication: el.Key.DeveloperApplication,
			Member:               el.Key.Member,
			RegulatedAt:          epochMillis(el.RegulatedAt),
			Scopes:               el.Scopes,
		}
		if err := a.check(); err != nil {
			return nil, fmt.Errorf("compliance authorizations: %w", malformed(status, err.Error()))
		}
		out = append(out, a)
	}
	return out, nil
}

// check refuses an authorization whose key could not be deleted.
func (a ComplianceAuthorization) check() error {
	switch {
	case !strings.HasPrefix(a.DeveloperApplication, "urn:li:developerApplication:"):
		return fmt.Errorf("developerApplication %q is not urn:li:developerApplication:<id>", a.DeveloperApplication)
	case !strings.HasPrefix(a.Member, "urn:li:person:"):
		return fmt.Errorf("member %q is not urn:li:person:<id>", a.Member)
	}
	return nil
}

// OptOutCompliance stops archiving for the authorization a, as read from
// ComplianceAuthorizations. token is the member's token or an application
// token of the same application (for members whose token expired). An
// authorization LinkedIn no longer has is a 404 *Error (IsNotFound), which
// callers may take as already opted out. Retried on 5xx and timeouts,
// never on 429: deleting twice is harmless.
func (c *Client) OptOutCompliance(ctx context.Context, token string, a ComplianceAuthorization) error {
	if err := needToken(token, "token"); err != nil {
		return fmt.Errorf("compliance opt-out: %w", err)
	}
	if err := a.check(); err != nil {
		return fmt.Errorf("compliance opt-out: %w", badRequest("%s", err.Error()))
	}
	// The key's = and & are structural; the URNs inside are encoded.
	u := c.cfg.RestBase + "/memberComplianceAuthorizations/developerApplication=" +
		restli.Encode(a.DeveloperApplication) + "&member=" + restli.Encode(a.Member)
	_, err := c.send(ctx, request{
		method:     http.MethodDelete,
		url:        u,
		bearer:     token,
		versioned:  true,
		idempotent: true,
	})
	if err != nil {
		return fmt.Errorf("compliance opt-out: %w", err)
	}
	return nil
}

// ComplianceEvent is one archived Sales Navigator communication.
type ComplianceEvent struct {
	// ID is urn:li:complianceEvent:<n>, unique per event.
	ID string
	// ProcessedAt is when LinkedIn processed the event; several events may
	// share it.
	ProcessedAt time.Time
	// ResourceName is e.g. salesNavigatorMessages.
	ResourceName string
	// Method is e.g. CREATE.
	Method string
	// Actor is the person URN who acted.
	Actor string
	// Raw is the whole element as LinkedIn sent it, to archive as is.
	Raw json.RawMessage
}

// eventAnswer is the part of an event element the client reads.
type eventAnswer struct {
	ID           string `json:"id"`
	ProcessedAt  int64  `json:"processedAt"`
	ResourceName string `json:"resourceName"`
	Method       string `json:"method"`
	Actor        string `json:"actor"`
}

// ComplianceEvents returns one page of at most count events (1 to 100;
// 0 means 10) of the member whose token (scope r_compliance_sales_nav) is
// memberToken, processed at or after startTime, oldest first. LinkedIn
// keeps 28 days of events. To page, call again with startTime = the last
// event's ProcessedAt: events at that instant come again, so callers drop
// the IDs they already have. Retried on 5xx and timeouts; never on 429.
func (c *Client) ComplianceEvents(ctx context.Context, memberToken string, startTime time.Time, count int) ([]ComplianceEvent, error) {
	if err := needToken(memberToken, "member token"); err != nil {
		return nil, fmt.Errorf("compliance events: %w", err)
	}
	if count == 0 {
		count = DefaultComplianceEventCount
	}
	if count < 1 || count > MaxComplianceEventCount {
		return nil, fmt.Errorf("compliance events: %w", badRequest("count %d is not between 1 and %d", count, MaxComplianceEventCount))
	}
	if startTime.IsZero() || startTime.UnixMilli() < 0 {
		return nil, fmt.Errorf("compliance events: %w", badRequest("startTime is required"))
	}
	u := c.cfg.RestBase + "/complianceEvents?q=memberAndApplication&startTime=" +
		strconv.FormatInt(startTime.UnixMilli(), 10) + "&count=" + strconv.Itoa(count)
	var ans struct {
		Elements []json.RawMessage `json:"elements"`
	}
	status, err := c.sendJSON(ctx, request{
		method:     http.MethodGet,
		url:        u,
		bearer:     memberToken,
		versioned:  true,
		idempotent: true,
	}, &ans)
	if err != nil {
		return nil, fmt.Errorf("compliance events: %w", err)
	}
	events, err := decodeEvents(ans.Elements, status)
	if err != nil {
		return nil, fmt.Errorf("compliance events: %w", err)
	}
	return events, nil
}

// decodeEvents reads every element, keeping its raw form. An element
// without id or processedAt fails the page rather than being skipped:
// paging and de-duplication rest on both, and an archive must not lose
// events silently. An id seen twice in one page is kept once.
func decodeEvents(elements []json.RawMessage, status int) ([]ComplianceEvent, error) {
	out := make([]ComplianceEvent, 0, len(elements))
	seen := make(map[string]bool, len(elements))
	for i, raw := range elements {
		var ea eventAnswer
		if err := json.Unmarshal(raw, &ea); err != nil {
			return nil, malformed(status, fmt.Sprintf("event %d: %v", i, err))
		}
		if ea.ID == "" || ea.ProcessedAt <= 0 {
			return nil, malformed(status, fmt.Sprintf("event %d without id or processedAt", i))
		}
		if seen[ea.ID] {
			continue
		}
		seen[ea.ID] = true
		out = append(out, ComplianceEvent{
			ID:           ea.ID,
			ProcessedAt:  time.UnixMilli(ea.ProcessedAt),
			ResourceName: ea.ResourceName,
			Method:       ea.Method,
			Actor:        ea.Actor,
			Raw:          raw,
		})
	}
	// LinkedIn sends them oldest first; callers page from the last one, so
	// that order is made certain.
	sort.SliceStable(out, func(i, j int) bool { return out[i].ProcessedAt.Before(out[j].ProcessedAt) })
	return out, nil
}
