package hostctx

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// Salesforce Canvas signed request limits.
const (
	// CanvasAlgorithm is the only `algorithm` a signed request may name.
	CanvasAlgorithm = "HMACSHA256"
	// CanvasFreshness is how long after its `issuedAt` a signed request is
	// accepted (plus session.ContextLeeway for clock skew); its hash is
	// remembered that long, so within it each is accepted once.
	CanvasFreshness = 5 * time.Minute
	// MaxSignedRequestBytes bounds the signed_request form field: 48 KiB,
	// room for a record with its entityFields and the OAuth tokens
	// Salesforce puts beside them.
	MaxSignedRequestBytes = 48 << 10
	// CanvasReplayWindow is how long after its first sighting a signed
	// request without `issuedAt` opens the widget again. Salesforce
	// documents issuedAt as "for internal use only" and its own example
	// sends null; such a request carries no time and no nonce, and
	// Salesforce may sign the same bytes again when the seller reloads
	// the page, so accepting it once would lock the seller out of the
	// record. It carries the user's Salesforce OAuth token, so whoever
	// holds it already holds more than the widget gives.
	CanvasReplayWindow = 12 * time.Hour
	// CanvasSightingMemory is how long the first sighting of a signed
	// request without issuedAt is remembered: past CanvasReplayWindow it
	// is refused until then.
	CanvasSightingMemory = 7 * 24 * time.Hour
	// canvasIDPrefix marks the context ids of signed requests in the
	// replay store, beside JWT jtis.
	canvasIDPrefix = "sfdc:"
	// canvasSeenPrefix marks the first sightings of signed requests
	// without issuedAt.
	canvasSeenPrefix = "sfdc-seen:"
)

// canvasRecordTypes maps the Salesforce objects the widget handles to
// snapbridge's record types.
var canvasRecordTypes = map[string]string{"Contact": "contact", "Lead": "lead", "Account": "account"}

// salesforce verifies Salesforce Canvas signed requests: a Connected App
// with Canvas, "Signed Request (POST)" access, POSTs `signed_request` to
// the canvas app URL /w/<tenant>/canvas.
type salesforce struct {
	keeper *session.ContextKeeper
	now    func() time.Time
}

func newSalesforce(d Deps) *salesforce { return &salesforce{keeper: d.Keeper, now: d.Now} }

// Kind returns tenant.HostSalesforce.
func (s *salesforce) Kind() string { return tenant.HostSalesforce }

// canvasRequest is the part of a CanvasRequest the widget reads.
type canvasRequest struct {
	Algorithm string          `json:"algorithm"`
	IssuedAt  json.RawMessage `json:"issuedAt"`
	UserID    text            `json:"userId"`
	Client    struct {
		InstanceID   text `json:"instanceId"`
		TargetOrigin text `json:"targetOrigin"`
	} `json:"client"`
	Context struct {
		User struct {
			UserID   text `json:"userId"`
			FullName text `json:"fullName"`
			Email    text `json:"email"`
		} `json:"user"`
		Organization struct {
			OrganizationID text `json:"organizationId"`
		} `json:"organization"`
		Environment struct {
			Record *canvasRecord `json:"record"`
		} `json:"environment"`
	} `json:"context"`
}

// canvasRecord is context.environment.record with the entityFields the
// widget uses.
type canvasRecord struct {
	Attributes struct {
		Type text `json:"type"`
	} `json:"attributes"`
	ID        text `json:"Id"`
	FirstName text `json:"FirstName"`
	LastName  text `json:"LastName"`
	Name      text `json:"Name"`
	Email     text `json:"Email"`
	Title     text `json:"Title"`
	Company   text `json:"Company"`
	Account   *struct {
		Name text `json:"Name"`
	} `json:"Account"`
}

// text is a JSON string or null (an empty field of the record).
type text string

// UnmarshalJSON takes a string or null and refuses anything else.
func (t *text) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*t = ""
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errors.New("must be text")
	}
	*t = text(s)
	return nil
}

// Launch verifies the signed request in r's form and returns its kept
// host context. The checks follow Salesforce's published algorithm, in
// its order: split on the first '.', HMAC-SHA256 of the encoded context
// with each active consumer secret compared in constant time against the
// decoded signature, and only then decode the context; then its
// algorithm, age, org, viewer and record.
func (s *salesforce) Launch(ctx context.Context, t *tenant.Tenant, r *http.Request) (*Launch, error) {
	sf := t.Salesforce()
	if sf == nil {
		return nil, fmt.Errorf("tenant %s: %w", t.ID, ErrNotConfigured)
	}
	raw, err := signedRequest(r)
	if err != nil {
		return nil, err
	}
	encoded, err := verifySignature(raw, sf.ConsumerSecrets)
	if err != nil {
		return nil, err
	}
	req, err := decodeCanvasRequest(encoded)
	if err != nil {
		return nil, err
	}
	issued, err := s.checkFresh(req)
	if err != nil {
		return nil, err
	}
	if err := checkOrg(req, sf); err != nil {
		return nil, err
	}
	viewer, err := canvasViewer(req)
	if err != nil {
		return nil, err
	}
	rec, err := req.Context.Environment.Record.record()
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(encoded))
	ref := base64.RawURLEncoding.EncodeToString(sum[:])
	hc := &session.HostContext{Tenant: t, Viewer: viewer, Records: []wire.Record{rec}}
	if issued.IsZero() {
		if err := s.sighting(ctx, t, ref, hc); err != nil {
			return nil, err
		}
		return &Launch{Context: hc, Frame: canvasFrame(req, t)}, nil
	}
	hc.ID, hc.IssuedAt, hc.ExpiresAt = canvasIDPrefix+ref, issued, issued.Add(CanvasFreshness)
	fresh, err := s.keeper.Keep(ctx, hc, hc.ExpiresAt.Add(session.ContextLeeway))
	if err != nil {
		return nil, err
	}
	if !fresh {
		return nil, refuse(session.CodeContextReplayed,
			"this signed request was already used; Salesforce signs a new one each time the page loads")
	}
	return &Launch{Context: hc, Frame: canvasFrame(req, t)}, nil
}

// sighting keeps hc for a signed request without issuedAt, whose encoded
// context hashes to ref: accepted within CanvasReplayWindow of its first
// sighting (each launch keeps a context of its own), refused after.
func (s *salesforce) sighting(ctx context.Context, t *tenant.Tenant, ref string, hc *session.HostContext) error {
	first, err := s.keeper.FirstSeen(ctx, t.ID, canvasSeenPrefix+ref, CanvasSightingMemory)
	if err != nil {
		return err
	}
	now := s.now()
	if now.After(first.Add(CanvasReplayWindow)) {
		return refuse(session.CodeContextExpired, fmt.Sprintf(
			"this signed request was first used at %s, more than %s ago; sign in to Salesforce again",
			first.UTC().Format(time.RFC3339), CanvasReplayWindow))
	}
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Errorf("canvas launch: %w", err)
	}
	hc.ID = canvasIDPrefix + ref + "." + base64.RawURLEncoding.EncodeToString(b[:])
	hc.IssuedAt, hc.ExpiresAt = now, first.Add(CanvasReplayWindow)
	fresh, err := s.keeper.Keep(ctx, hc, now)
	if err != nil {
		return err
	}
	if !fresh {
		return fmt.Errorf("canvas launch: a random context id of tenant %s was already kept", t.ID)
	}
	return nil
}

// signedRequest reads the one signed_request form field of a POST.
func signedRequest(r *http.Request) (string, error) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		return "", refuse(session.CodeContextInvalid, "post the signed request as a form (application/x-www-form-urlencoded), as Salesforce Canvas does")
	}
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return "", refuse(session.CodeContextTooLarge, "the signed request is too large")
		}
		return "", refuse(session.CodeContextInvalid, "the form is malformed")
	}
	values := r.PostForm["signed_request"]
	switch {
	case len(values) == 0 || values[0] == "":
		return "", refuse(session.CodeContextInvalid, "signed_request is missing: set the Connected App's Canvas access method to Signed Request (POST)")
	case len(values) > 1:
		return "", refuse(session.CodeContextInvalid, "signed_request is given more than once")
	case len(values[0]) > MaxSignedRequestBytes:
		return "", refuse(session.CodeContextTooLarge, fmt.Sprintf(
			"the signed request is %d bytes, at most %d are accepted; name fewer entityFields", len(values[0]), MaxSignedRequestBytes))
	}
	return values[0], nil
}

// verifySignature checks raw ("<signature>.<encoded context>") against
// every active consumer secret and returns the encoded context.
func verifySignature(raw string, secrets []string) (string, error) {
	sig64, encoded, ok := strings.Cut(raw, ".")
	if !ok || sig64 == "" || encoded == "" {
		return "", refuse(session.CodeContextInvalid, "the signed request is not <signature>.<context>")
	}
	sig, err := decodeBase64(sig64)
	if err != nil || len(sig) != sha256.Size {
		return "", refuse(session.CodeContextInvalid, "the signed request's signature is not a base64 HMAC-SHA256")
	}
	matched := false
	for _, secret := range secrets {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(encoded))
		// Every secret is tried, matched or not, so the time taken does
		// not tell which one matched.
		if hmac.Equal(mac.Sum(nil), sig) {
			matched = true
		}
	}
	if !matched {
		return "", refuse(session.CodeContextInvalid,
			"the signature does not verify with the tenant's consumer secret(s); copy the Connected App's consumer secret into the console")
	}
	return encoded, nil
}

// decodeBase64 reads standard base64, padded or not, or its URL-safe
// form: Salesforce's SDKs decode all of them.
func decodeBase64(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.Strict().DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("not base64")
}

// decodeCanvasRequest decodes a verified encoded context: one JSON object
// naming algorithm HMACSHA256.
func decodeCanvasRequest(encoded string) (*canvasRequest, error) {
	raw, err := decodeBase64(encoded)
	if err != nil {
		return nil, refuse(session.CodeContextInvalid, "the signed request's context is not base64")
	}
	var req canvasRequest
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&req); err != nil {
		return nil, refuse(session.CodeContextInvalid, "the signed request's context is not the expected JSON: "+jsonProblem(err))
	}
	if dec.More() {
		return nil, refuse(session.CodeContextInvalid, "the signed request's context holds more than one JSON value")
	}
	if req.Algorithm != CanvasAlgorithm {
		return nil, refuse(session.CodeContextInvalid, fmt.Sprintf("algorithm must be %s", CanvasAlgorithm))
	}
	return &req, nil
}

// jsonProblem names the offending field of a JSON error without
// repeating the document.
func jsonProblem(err error) string {
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return typeErr.Field + " has the wrong type"
	case strings.Contains(err.Error(), "must be text"):
		return "a field that must be text is not"
	default:
		return "it does not parse"
	}
}

// checkFresh reads issuedAt (seconds since the epoch, or milliseconds) and
// refuses a request older than CanvasFreshness or issued in the future.
// A request without issuedAt (absent or null, as Salesforce's own example
// sends it) gives the zero time: Launch then judges it by its first
// sighting.
func (s *salesforce) checkFresh(req *canvasRequest) (time.Time, error) {
	if len(req.IssuedAt) == 0 || string(req.IssuedAt) == "null" {
		return time.Time{}, nil
	}
	var n float64
	if json.Unmarshal(req.IssuedAt, &n) != nil || n <= 0 || n > math.MaxInt64/2 {
		return time.Time{}, refuse(session.CodeContextInvalid, "issuedAt must be a number of seconds since 1970, or null")
	}
	// Seconds stay below 1e11 until the year 5138; anything larger is
	// milliseconds.
	var issued time.Time
	if n >= 1e11 {
		issued = time.UnixMilli(int64(n))
	} else {
		issued = time.Unix(int64(n), 0)
	}
	now := s.now()
	switch {
	case issued.After(now.Add(session.ContextLeeway)):
		return time.Time{}, refuse(session.CodeContextInvalid, "issuedAt is in the future; check the clocks")
	case now.After(issued.Add(CanvasFreshness + session.ContextLeeway)):
		return time.Time{}, refuse(session.CodeContextExpired, fmt.Sprintf(
			"the signed request was issued at %s, more than %s ago; reload the Salesforce page",
			issued.UTC().Format(time.RFC3339), CanvasFreshness))
	}
	return issued, nil
}

// checkOrg refuses a request of another org than the tenant's, whichever
// form (15 or 18 characters) either id is written in.
func checkOrg(req *canvasRequest, sf *tenant.SalesforceHost) error {
	got, err := tenant.CanonicalOrgID(string(req.Context.Organization.OrganizationID))
	if err != nil {
		return refuse(session.CodeContextInvalid, "context.organization.organizationId is not an org id")
	}
	want, err := tenant.CanonicalOrgID(sf.OrgID)
	if err != nil || got != want {
		return refuse(session.CodeContextInvalid, "the signed request comes from another Salesforce org than this tenant's (host.salesforce.orgId)")
	}
	return nil
}

// canvasViewer is context.user, by its 18-character user id.
func canvasViewer(req *canvasRequest) (wire.Viewer, error) {
	u := req.Context.User
	id, err := tenant.CanonicalSalesforceID(string(u.UserID))
	if err != nil {
		return wire.Viewer{}, refuse(session.CodeContextInvalid, "context.user.userId is not a Salesforce user id")
	}
	if req.UserID != "" {
		if top, err := tenant.CanonicalSalesforceID(string(req.UserID)); err != nil || top != id {
			return wire.Viewer{}, refuse(session.CodeContextInvalid, "userId and context.user.userId name different users")
		}
	}
	return wire.Viewer{ID: id, Name: string(u.FullName), Email: string(u.Email)}, nil
}

// record turns the Canvas record into the widget's, with the fields the
// entityFields attribute named.
func (r *canvasRecord) record() (wire.Record, error) {
	if r == nil || r.ID == "" {
		return wire.Record{}, refuse(session.CodeContextInvalid,
			"the signed request names no record (context.environment.record): place the canvas app on a Contact, Lead or Account page")
	}
	kind, ok := canvasRecordTypes[string(r.Attributes.Type)]
	if !ok {
		return wire.Record{}, refuse(session.CodeContextInvalid, fmt.Sprintf(
			"record type %s is not handled; place the canvas app on a Contact, Lead or Account page", clip(string(r.Attributes.Type))))
	}
	id, err := tenant.CanonicalSalesforceID(string(r.ID))
	if err != nil {
		return wire.Record{}, refuse(session.CodeContextInvalid, "record.Id is not a Salesforce id")
	}
	rec := wire.Record{ID: id, Type: kind, FirstName: string(r.FirstName), LastName: string(r.LastName),
		Email: string(r.Email), Title: string(r.Title), Company: string(r.Company)}
	switch {
	case kind == "account":
		rec.Company = string(r.Name)
	case rec.Company == "" && r.Account != nil:
		rec.Company = string(r.Account.Name)
	}
	return rec, nil
}

// canvasFrame is the Canvas frame to size, when client.targetOrigin is
// one of the tenant's origins; nil otherwise (the widget then posts
// nothing).
func canvasFrame(req *canvasRequest, t *tenant.Tenant) *wire.HostFrame {
	u, err := url.Parse(string(req.Client.TargetOrigin))
	if err != nil || u.Host == "" {
		return nil
	}
	origin, err := tenant.ParseOrigin(u.Scheme + "://" + u.Host)
	if err != nil || !slices.Contains(t.Origins(), origin) {
		return nil
	}
	id := string(req.Client.InstanceID)
	if len(id) > session.MaxIDLen || strings.ContainsFunc(id, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		id = ""
	}
	return &wire.HostFrame{Kind: wire.FrameSalesforce, TargetOrigin: origin, InstanceID: id}
}

// clip quotes a value taken from the request, cut short.
func clip(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return fmt.Sprintf("%q", s)
}
