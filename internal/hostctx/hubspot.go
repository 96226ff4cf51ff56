package hostctx

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// HubSpot request signature (v3) limits and names.
const (
	// HubSpotSignatureHeader carries base64(HMAC-SHA256(method + URI +
	// body + timestamp)) keyed with the app's client secret.
	HubSpotSignatureHeader = "X-HubSpot-Signature-v3"
	// HubSpotTimestampHeader is when HubSpot signed the request, in
	// milliseconds since 1970.
	HubSpotTimestampHeader = "X-HubSpot-Request-Timestamp"
	// HubSpotFreshness is how long after its timestamp a signed request
	// is accepted, as HubSpot documents; its signature is remembered that
	// long (plus session.ContextLeeway), so within it each is accepted
	// once.
	HubSpotFreshness = 5 * time.Minute
	// MaxHubSpotBodyBytes bounds the card's JSON body: 16 KiB, far more
	// than a record's few properties.
	MaxHubSpotBodyBytes = 16 << 10
	// hubSpotIDPrefix marks the context ids of HubSpot requests in the
	// replay store, beside JWT jtis and Canvas requests.
	hubSpotIDPrefix = "hubspot:"
)

// hubSpotRecordTypes maps the HubSpot objects the widget handles, by name
// and by object type id, to snapbridge's record types.
var hubSpotRecordTypes = map[string]string{"CONTACT": "contact", "0-1": "contact", "COMPANY": "account", "0-2": "account"}

// hubSpotDecoded are the percent-escapes HubSpot decodes in the request
// URI before signing it (its v3 validation instructions); any other
// escape stays as sent.
var hubSpotDecoded = strings.NewReplacer(
	"%3A", ":", "%3a", ":", "%2F", "/", "%2f", "/", "%3F", "?", "%3f", "?", "%40", "@",
	"%21", "!", "%24", "$", "%27", "'", "%28", "(", "%29", ")", "%2A", "*", "%2a", "*",
	"%2C", ",", "%2c", ",", "%3B", ";", "%3b", ";",
)

// hubspot verifies the requests a HubSpot app card makes with
// hubspot.fetch to POST /hubspot/<tenant>/card: HubSpot signs them with
// the app's client secret and adds the portal and user to the query.
type hubspot struct {
	keeper    *session.ContextKeeper
	now       func() time.Time
	publicURL string
}

func newHubSpot(d Deps) *hubspot {
	return &hubspot{keeper: d.Keeper, now: d.Now, publicURL: strings.TrimSuffix(d.PublicURL, "/")}
}

// Kind returns tenant.HostHubSpot.
func (h *hubspot) Kind() string { return tenant.HostHubSpot }

// hubSpotCard is the card's JSON body: the record it is shown on.
type hubSpotCard struct {
	ObjectType text            `json:"objectType"`
	ObjectID   json.RawMessage `json:"objectId"`
	Properties struct {
		FirstName text `json:"firstname"`
		LastName  text `json:"lastname"`
		Email     text `json:"email"`
		JobTitle  text `json:"jobtitle"`
		Company   text `json:"company"`
		Name      text `json:"name"`
	} `json:"properties"`
}

// Launch verifies the signed hubspot.fetch request r and returns its
// kept host context. The checks follow HubSpot's published v3
// algorithm: the timestamp header, HMAC-SHA256 of method, URI (rebuilt
// from the configured public URL, with the escapes HubSpot decodes
// decoded), raw body and timestamp with each active client secret,
// compared in constant time with the base64 signature; then its age, the
// portal, the user and the record.
func (h *hubspot) Launch(ctx context.Context, t *tenant.Tenant, r *http.Request) (*Launch, error) {
	hs := t.HubSpot()
	if hs == nil {
		return nil, fmt.Errorf("tenant %s: %w", t.ID, ErrNotConfigured)
	}
	body, err := hubSpotBody(r)
	if err != nil {
		return nil, err
	}
	stamp := r.Header.Get(HubSpotTimestampHeader)
	signed, err := strconv.ParseInt(stamp, 10, 64)
	if err != nil || signed <= 0 || len(r.Header.Values(HubSpotTimestampHeader)) != 1 {
		return nil, refuse(session.CodeContextInvalid, HubSpotTimestampHeader+" is missing or not milliseconds since 1970: call snapbridge with hubspot.fetch")
	}
	sig, err := hubSpotSignature(r)
	if err != nil {
		return nil, err
	}
	base := hs.PublicURL
	if base == "" {
		base = h.publicURL
	}
	source := HubSpotSource(r.Method, base+requestURI(r), body, stamp)
	if !verifyHubSpot(source, sig, hs.ClientSecrets) {
		return nil, refuse(session.CodeContextInvalid,
			"the signature does not verify with the tenant's HubSpot client secret(s): copy the app's client secret into the console, "+
				"and check that the card calls the URL host.hubspot.publicUrl (or the server's publicUrl) names")
	}
	issued := time.UnixMilli(signed)
	now := h.now()
	switch {
	case issued.After(now.Add(session.ContextLeeway)):
		return nil, refuse(session.CodeContextInvalid, HubSpotTimestampHeader+" is in the future; check the clocks")
	case now.Sub(issued) > HubSpotFreshness:
		return nil, refuse(session.CodeContextExpired, fmt.Sprintf(
			"the request was signed at %s, more than %s ago; reopen the card", issued.UTC().Format(time.RFC3339), HubSpotFreshness))
	}
	viewer, err := hubSpotViewer(r.URL.Query(), hs)
	if err != nil {
		return nil, err
	}
	rec, err := hubSpotRecord(body)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(sig)
	hc := &session.HostContext{
		Tenant: t, Viewer: viewer, Records: []wire.Record{rec},
		ID:       hubSpotIDPrefix + base64.RawURLEncoding.EncodeToString(sum[:]),
		IssuedAt: issued, ExpiresAt: issued.Add(HubSpotFreshness),
	}
	fresh, err := h.keeper.Keep(ctx, hc, hc.ExpiresAt.Add(session.ContextLeeway))
	if err != nil {
		return nil, err
	}
	if !fresh {
		return nil, refuse(session.CodeContextReplayed, "this signed request was already used; HubSpot signs a new one each time the card asks")
	}
	return &Launch{Context: hc}, nil
}

// HubSpotSource is the text HubSpot signs (v3): method, URI, body and
// timestamp, with the URI's escapes HubSpot decodes decoded.
func HubSpotSource(method, uri string, body []byte, timestamp string) []byte {
	var b bytes.Buffer
	b.WriteString(method)
	b.WriteString(hubSpotDecoded.Replace(uri))
	b.Write(body)
	b.WriteString(timestamp)
	return b.Bytes()
}

// requestURI is the path and query as the client sent them.
func requestURI(r *http.Request) string {
	if strings.HasPrefix(r.RequestURI, "/") {
		return r.RequestURI
	}
	return r.URL.RequestURI()
}

// hubSpotBody reads the JSON body, at most MaxHubSpotBodyBytes.
func hubSpotBody(r *http.Request) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return nil, refuse(session.CodeContextInvalid, "post the record as JSON (application/json), as hubspot.fetch does")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxHubSpotBodyBytes+1))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig) || len(body) > MaxHubSpotBodyBytes:
		return nil, refuse(session.CodeContextTooLarge, fmt.Sprintf("the body is larger than %d bytes; send the record's few properties only", MaxHubSpotBodyBytes))
	case err != nil:
		return nil, refuse(session.CodeContextInvalid, "the body could not be read")
	}
	return body, nil
}

// hubSpotSignature reads the one base64 HMAC-SHA256 signature header.
func hubSpotSignature(r *http.Request) ([]byte, error) {
	values := r.Header.Values(HubSpotSignatureHeader)
	if len(values) != 1 || values[0] == "" {
		return nil, refuse(session.CodeContextInvalid, HubSpotSignatureHeader+" is missing: call snapbridge with hubspot.fetch")
	}
	sig, err := base64.StdEncoding.Strict().DecodeString(values[0])
	if err != nil || len(sig) != sha256.Size {
		return nil, refuse(session.CodeContextInvalid, HubSpotSignatureHeader+" is not a base64 HMAC-SHA256")
	}
	return sig, nil
}

// verifyHubSpot checks sig against source with every active secret.
func verifyHubSpot(source, sig []byte, secrets []string) bool {
	matched := false
	for _, secret := range secrets {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(source)
		// Every secret is tried, matched or not, so the time taken does
		// not tell which one matched.
		if hmac.Equal(mac.Sum(nil), sig) {
			matched = true
		}
	}
	return matched
}

// hubSpotViewer is the user hubspot.fetch names in the query (userId,
// userEmail), in the portal (portalId) the tenant's must be.
func hubSpotViewer(q url.Values, hs *tenant.HubSpotHost) (wire.Viewer, error) {
	one := func(name string) (string, bool) {
		v := q[name]
		return strings.Join(v, ""), len(v) <= 1
	}
	portal, ok := one("portalId")
	switch {
	case !ok || portal == "":
		return wire.Viewer{}, refuse(session.CodeContextInvalid, "portalId is missing from the query: call snapbridge with hubspot.fetch")
	case portal != hs.PortalID:
		return wire.Viewer{}, refuse(session.CodeContextInvalid, "the request comes from another HubSpot account than this tenant's (host.hubspot.portalId)")
	}
	user, ok := one("userId")
	if !ok || !isDigits(user) || len(user) > 20 {
		return wire.Viewer{}, refuse(session.CodeContextInvalid, "userId is missing from the query or not a HubSpot user id")
	}
	email, ok := one("userEmail")
	if !ok || len(email) > session.MaxFieldLen {
		email = ""
	}
	return wire.Viewer{ID: user, Email: email}, nil
}

// hubSpotRecord reads the card's record: a contact or a company (an
// account), with the CRM properties the widget uses.
func hubSpotRecord(body []byte) (wire.Record, error) {
	var card hubSpotCard
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&card); err != nil {
		return wire.Record{}, refuse(session.CodeContextInvalid, "the body is not the expected JSON: "+jsonProblem(err))
	}
	if dec.More() {
		return wire.Record{}, refuse(session.CodeContextInvalid, "the body holds more than one JSON value")
	}
	id := strings.Trim(string(card.ObjectID), `"`)
	if len(card.ObjectID) == 0 || string(card.ObjectID) == "null" || id == "" {
		return wire.Record{}, refuse(session.CodeContextInvalid, "the body names no record (objectId): place the card on a contact or company record")
	}
	if !isDigits(id) || len(id) > 20 {
		return wire.Record{}, refuse(session.CodeContextInvalid, "objectId is not a HubSpot record id")
	}
	kind, ok := hubSpotRecordTypes[strings.ToUpper(string(card.ObjectType))]
	if !ok {
		return wire.Record{}, refuse(session.CodeContextInvalid, fmt.Sprintf(
			"record type %s is not handled; place the card on a contact or company record", clip(string(card.ObjectType))))
	}
	p := card.Properties
	rec := wire.Record{ID: id, Type: kind, FirstName: string(p.FirstName), LastName: string(p.LastName),
		Email: string(p.Email), Title: string(p.JobTitle), Company: string(p.Company)}
	if kind == "account" {
		rec = wire.Record{ID: id, Type: kind, Company: string(p.Name)}
	}
	return rec, nil
}

// isDigits reports a non-empty string of ASCII digits.
func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}
