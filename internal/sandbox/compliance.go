package sandbox

import (
	"fmt"
	"hash/fnv"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/snapbridge/snapbridge/internal/restli"
)

// Compliance constants.
const (
	// ComplianceWindow is how far back compliance events reach.
	ComplianceWindow = 28 * 24 * time.Hour
	// MinComplianceCadence is the shortest ComplianceCadence New accepts;
	// shorter ones are raised to it so a page is found in few steps.
	MinComplianceCadence = time.Second
	// MaxEventsPerInstant is the most events sharing one processedAt. A
	// client paging by startTime alone needs count above it to progress.
	MaxEventsPerInstant = 3
	// ComplianceScopeSalesNav is the only compliance product.
	ComplianceScopeSalesNav = "SALES_NAV"
)

const (
	complianceAuthPath = "/rest/memberComplianceAuthorizations/"
	developerAppPrefix = "urn:li:developerApplication:"
	personPrefix       = "urn:li:person:"
)

// complianceKey is one member's opt-in with one application.
type complianceKey struct {
	clientID, memberID string
}

// period is a span during which a member was opted in; to is zero while
// the member still is.
type period struct {
	from, to time.Time
}

// DeveloperApplicationURN is the urn:li:developerApplication of a client
// id. LinkedIn numbers applications; the stand-in derives a stable
// number from the client id.
func DeveloperApplicationURN(clientID string) string {
	h := fnv.New64a()
	h.Write([]byte(clientID))
	return developerAppPrefix + strconv.FormatUint(100000+h.Sum64()%900000, 10)
}

// authorizationKey is memberComplianceAuthorizationKey on the wire.
type authorizationKey struct {
	DeveloperApplication string `json:"developerApplication"`
	Member               string `json:"member"`
}

// authorizationView is one memberComplianceAuthorization.
type authorizationView struct {
	Key         authorizationKey `json:"memberComplianceAuthorizationKey"`
	RegulatedAt int64            `json:"regulatedAt"`
	Scopes      []string         `json:"memberComplianceScopes"`
}

// serveComplianceAuthorizations is POST (opt in) and GET (status) on
// /rest/memberComplianceAuthorizations.
func (s *Sandbox) serveComplianceAuthorizations(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodPost:
		s.count("compliance.authorize")
		s.authorizeCompliance(w, r)
	case http.MethodGet:
		s.count("compliance.status")
		s.complianceStatus(w, r)
	default:
		s.count("compliance.status")
		allow(w, r, http.MethodGet, http.MethodPost)
	}
}

// authorizeCompliance opts the token's member in for the token's
// application; opting in again keeps the original regulatedAt.
func (s *Sandbox) authorizeCompliance(w http.ResponseWriter, r *http.Request) {
	g, ok := s.versionedCall(w, r, ScopeCompliance, http.MethodPost)
	if !ok || !needMember(w, g, "Compliance opt-in") {
		return
	}
	var body map[string]any
	if fail := readJSON(w, r, &body); fail != nil {
		fail.Message += " (send {})"
		writeAPIError(w, *fail)
		return
	}
	k := complianceKey{g.clientID, g.memberID}
	s.mu.Lock()
	periods := s.platform.compliance[k]
	if n := len(periods); n == 0 || !periods[n-1].to.IsZero() {
		// Whole milliseconds, so events at regulatedAt + k*cadence are
		// exact on the wire.
		now := millis(s.now().UnixMilli())
		s.platform.compliance[k] = append(periods, period{from: now})
	}
	s.mu.Unlock()
	w.Header().Set("X-RestLi-Id", "developerApplication="+restli.Encode(DeveloperApplicationURN(g.clientID))+
		"&member="+restli.Encode(personPrefix+g.memberID))
	w.WriteHeader(http.StatusCreated)
}

// complianceStatus lists the member's current opt-ins, one per
// application; no elements when the member is not opted in.
func (s *Sandbox) complianceStatus(w http.ResponseWriter, r *http.Request) {
	g, ok := s.versionedCall(w, r, ScopeCompliance, http.MethodGet)
	if !ok || !needMember(w, g, "Compliance status") {
		return
	}
	elements := []authorizationView{}
	s.mu.Lock()
	for k, periods := range s.platform.compliance {
		last := periods[len(periods)-1]
		if k.memberID != g.memberID || !last.to.IsZero() {
			continue
		}
		elements = append(elements, authorizationView{
			Key:         authorizationKey{DeveloperApplication: DeveloperApplicationURN(k.clientID), Member: personPrefix + k.memberID},
			RegulatedAt: last.from.UnixMilli(), Scopes: []string{ComplianceScopeSalesNav},
		})
	}
	s.mu.Unlock()
	slices.SortFunc(elements, func(a, b authorizationView) int {
		return strings.Compare(a.Key.DeveloperApplication, b.Key.DeveloperApplication)
	})
	writeJSON(w, http.StatusOK, map[string]any{"elements": elements})
}

// serveComplianceRevoke is DELETE /rest/memberComplianceAuthorizations/developerApplication=…&member=…:
// it opts the member out. The member's own token or an application token
// of the same application may do it; revoking an absent opt-in is a
// harmless 204, since opting out twice must not fail.
func (s *Sandbox) serveComplianceRevoke(w http.ResponseWriter, r *http.Request) {
	s.count("compliance.revoke")
	g, ok := s.versionedCall(w, r, ScopeCompliance, http.MethodDelete)
	if !ok {
		return
	}
	appURN, memberURN, err := parseAuthorizationKey(strings.TrimPrefix(r.URL.EscapedPath(), complianceAuthPath))
	if err != nil {
		writeAPIError(w, apiError{Status: http.StatusBadRequest, Message: "Invalid key: " + err.Error()})
		return
	}
	memberID := strings.TrimPrefix(memberURN, personPrefix)
	switch {
	case appURN != DeveloperApplicationURN(g.clientID):
		writeAPIError(w, apiError{Status: http.StatusForbidden, ServiceErrorCode: codeForbidden,
			Message: "The token's application is not " + appURN})
		return
	case g.memberID != "" && g.memberID != memberID:
		writeAPIError(w, apiError{Status: http.StatusForbidden, ServiceErrorCode: codeForbidden,
			Message: "A member's token can only opt out that member"})
		return
	}
	k := complianceKey{g.clientID, memberID}
	s.mu.Lock()
	if periods := s.platform.compliance[k]; len(periods) > 0 && periods[len(periods)-1].to.IsZero() {
		periods[len(periods)-1].to = s.now()
	}
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// parseAuthorizationKey reads a key written
// developerApplication=<urn>&member=<urn> (values percent-encoded), or in
// Rest.li's (developerApplication:…,member:…) form.
func parseAuthorizationKey(raw string) (appURN, memberURN string, err error) {
	var fields restli.Record
	if strings.HasPrefix(raw, "(") {
		if fields, err = restli.ParseRecord(raw); err != nil {
			return "", "", err
		}
	} else {
		for _, part := range strings.Split(raw, "&") {
			name, value, found := strings.Cut(part, "=")
			if !found {
				return "", "", fmt.Errorf("%q is not name=value", part)
			}
			v, err := restli.Decode(value)
			if err != nil {
				return "", "", err
			}
			if _, dup := fields.Get(name); dup {
				return "", "", fmt.Errorf("%s is given twice", name)
			}
			fields = append(fields, restli.Field{Name: name, Value: v})
		}
	}
	for _, f := range fields {
		if f.Name != "developerApplication" && f.Name != "member" {
			return "", "", fmt.Errorf("unknown key field %q", f.Name)
		}
	}
	appURN, _ = fields.Get("developerApplication")
	memberURN, _ = fields.Get("member")
	switch {
	case !strings.HasPrefix(appURN, developerAppPrefix) || len(appURN) == len(developerAppPrefix):
		return "", "", fmt.Errorf("developerApplication must be a urn:li:developerApplication:<number>")
	case !strings.HasPrefix(memberURN, personPrefix) || len(memberURN) == len(personPrefix):
		return "", "", fmt.Errorf("member must be a urn:li:person:<id>")
	}
	return appURN, memberURN, nil
}

// complianceEvent is one captured Sales Navigator message.
type complianceEvent struct {
	ID           string   `json:"id"`
	ProcessedAt  int64    `json:"processedAt"`
	ResourceName string   `json:"resourceName"`
	Method       string   `json:"method"`
	Actor        string   `json:"actor"`
	Activity     activity `json:"activity"`
}

// activity is the message itself.
type activity struct {
	Subject    string   `json:"subject"`
	Body       string   `json:"body"`
	Recipients []string `json:"recipients"`
}

// serveComplianceEvents is GET /rest/complianceEvents?q=memberAndApplication&startTime=…&count=…:
// the member's messages captured while opted in with the token's
// application, of the last 28 days, from startTime (inclusive) on,
// oldest first. Events come in at ComplianceCadence from regulatedAt on;
// every third arrival brings two or three events with the same
// processedAt, so a client paging by the last processedAt sees that
// boundary again and must de-duplicate by id.
func (s *Sandbox) serveComplianceEvents(w http.ResponseWriter, r *http.Request) {
	s.count("compliance.events")
	g, ok := s.versionedCall(w, r, ScopeCompliance, http.MethodGet)
	if !ok || !needMember(w, g, "Compliance events") {
		return
	}
	q := r.URL.Query()
	if q.Get("q") != "memberAndApplication" {
		writeAPIError(w, apiError{Status: http.StatusBadRequest, Message: "Query parameter q must be memberAndApplication"})
		return
	}
	var startTime int64
	if text := q.Get("startTime"); text != "" {
		v, err := strconv.ParseInt(text, 10, 64)
		if err != nil || v < 0 {
			writeAPIError(w, apiError{Status: http.StatusBadRequest, Message: "startTime must be epoch milliseconds"})
			return
		}
		startTime = v
	}
	start, count, fail := pageParams(q.Get("start"), q.Get("count"))
	if fail != nil {
		writeAPIError(w, *fail)
		return
	}
	now := s.now()
	s.mu.Lock()
	periods := slices.Clone(s.platform.compliance[complianceKey{g.clientID, g.memberID}])
	s.mu.Unlock()
	lower := max(startTime, now.Add(-ComplianceWindow).UnixMilli())
	events := s.events(g.clientID, g.memberID, periods, lower, now.UnixMilli(), start+count)
	page := []complianceEvent{}
	if start < len(events) {
		page = events[start:]
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"elements": page,
		"paging":   paging{Count: count, Start: start, Links: []any{}},
	})
}

// events generates up to limit events with lower <= processedAt <= upper,
// oldest first.
func (s *Sandbox) events(clientID, memberID string, periods []period, lower, upper int64, limit int) []complianceEvent {
	var out []complianceEvent
	if lower > upper {
		return out // also keeps the arithmetic below from overflowing
	}
	cadence := s.cfg.ComplianceCadence.Milliseconds()
	prospects := s.prospects()
	for _, p := range periods {
		from := p.from.UnixMilli()
		k := int64(1)
		if lower > from {
			k = max(1, (lower-from+cadence-1)/cadence)
		}
		for ; len(out) < limit; k++ {
			at := from + k*cadence
			if at > upper || (!p.to.IsZero() && at >= p.to.UnixMilli()) {
				break
			}
			tick := []string{clientID, memberID, strconv.FormatInt(from, 10), strconv.FormatInt(k, 10)}
			n := 1
			if k%3 == 0 {
				n = 2 + int(hash64(slices.Concat(tick, []string{"n"})...)%(MaxEventsPerInstant-1))
			}
			for i := 0; i < n && len(out) < limit; i++ {
				h := hash64(slices.Concat(tick, []string{strconv.Itoa(i)})...)
				out = append(out, s.event(memberID, at, prospects, h))
			}
		}
	}
	return out
}

// message is a template of what a demo seller writes: %[1]s is the
// recipient's first name, %[2]s the company.
type message struct{ subject, body string }

func messages() []message {
	return []message{
		{"Quick question about %[2]s's roadmap", "Hi %[1]s, I noticed %[2]s is expanding its team. Would a 20-minute call next week be useful?"},
		{"Following up on our conversation", "Hi %[1]s, thanks for your time on Tuesday. As promised, I am sending the case study we discussed."},
		{"Introduction from a mutual connection", "Hi %[1]s, a colleague suggested I reach out. We help teams like %[2]s shorten procurement cycles."},
		{"Pricing for the pilot", "Hi %[1]s, here is the pricing for the pilot we talked about. Happy to walk your team through it."},
		{"Congratulations on the new role", "Hi %[1]s, congratulations on the new role at %[2]s! Let me know if I can help as you settle in."},
	}
}

// event builds one message from h, the same for the same h on every run.
func (s *Sandbox) event(memberID string, at int64, prospects []person, h uint64) complianceEvent {
	to := prospects[h%uint64(len(prospects))]
	company := to.Headline
	if _, after, found := strings.Cut(to.Headline, " at "); found {
		company = after
	}
	all := messages()
	m := all[(h>>16)%uint64(len(all))]
	return complianceEvent{
		ID:           "urn:li:complianceEvent:" + strconv.FormatUint(h>>11, 10), // 53 bits: exact in any JSON reader
		ProcessedAt:  at,
		ResourceName: "salesNavigatorMessages",
		Method:       "CREATE",
		Actor:        personPrefix + memberID,
		Activity: activity{
			Subject:    fmt.Sprintf(m.subject, to.FirstName, company),
			Body:       fmt.Sprintf(m.body, to.FirstName, company),
			Recipients: []string{personPrefix + to.ID},
		},
	}
}

// prospects are the members sellers write to: every known member who is
// not a seller, in a stable order; a placeholder when there are none.
func (s *Sandbox) prospects() []person {
	var out []person
	for id, p := range s.cat().members {
		if !slices.ContainsFunc(s.cfg.Members, func(m Member) bool { return m.ID == id }) {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return []person{{Member: Member{ID: derivedMemberID("prospect"), Name: "Alex Morgan",
			Headline: "Buyer at Contoso Ltd."}, FirstName: "Alex", LastName: "Morgan"}}
	}
	slices.SortFunc(out, func(a, b person) int { return strings.Compare(a.ID, b.ID) })
	return out
}
