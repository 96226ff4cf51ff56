package server_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/snapbridge/snapbridge/internal/wire"
)

// TestFiftyRecordSessionTokenFitsInOneKilobyte: a list view of fifty
// records gets a session token under 1 KiB (it refers to the records the
// server keeps), and the session still answers about every one of them.
func TestFiftyRecordSessionTokenFitsInOneKilobyte(t *testing.T) {
	p := startBoth(t, nil)
	records := syntheticRecords(p, "list", 50)
	s := p.newSession("demo", "crm-user-list", records...)
	if len(s.Token) > 1024 {
		t.Fatalf("a 50-record session token is %d bytes, want at most 1024", len(s.Token))
	}
	if len(s.Records) != 50 || s.Records[49] != records[49] {
		t.Fatalf("the session answer lists %d records, want the 50 of the context", len(s.Records))
	}
	var got wire.Associations
	p.call("GET", "/api/v1/associations?records="+records[49].ID, s.Token, nil, http.StatusOK, &got)
	if len(got.Associations) != 1 || got.Associations[0].RecordID != records[49].ID {
		t.Fatalf("associations of the 50th record = %+v", got)
	}
}

// TestTamperedRecordSetReferenceIsRefused: a session token whose reference
// to its records was changed (to another session's records of the same
// tenant, or another tenant's) is refused with 401, on the instance that
// issued it and on one that never saw it.
func TestTamperedRecordSetReferenceIsRefused(t *testing.T) {
	p := startBoth(t, nil)
	recs := p.demoRecords("demo", "matched")
	mine := p.newSession("demo", "crm-user-a", recs[0])
	other := p.newSession("demo", "crm-user-b", recs[1])
	foreign := p.newSession("nosync", "crm-user-a", p.demoRecords("nosync", "crm_sync_disabled")[0])
	restarted := p.restart()
	for _, tc := range []struct {
		scenario string
		token    string
	}{
		{"another session's records of the same tenant", withClaim(t, mine.Token, "ctx", claimOf(t, other.Token, "ctx"))},
		{"another tenant's records", withClaim(t, mine.Token, "ctx", claimOf(t, foreign.Token, "ctx"))},
		{"another session's records and digest", withClaim(t, withClaim(t, mine.Token, "ctx", claimOf(t, other.Token, "ctx")),
			"rsd", claimOf(t, other.Token, "rsd"))},
	} {
		for _, at := range []*product{p, restarted} {
			t.Run(tc.scenario, func(t *testing.T) {
				var e wire.Error
				at.with(t).call("GET", "/api/v1/associations?records="+recs[1].ID, tc.token, nil, http.StatusUnauthorized, &e)
				if e.Error.Code != "session_invalid" {
					t.Fatalf("code %q, want session_invalid", e.Error.Code)
				}
			})
		}
	}
	restarted.call("GET", "/api/v1/associations?records="+recs[0].ID, mine.Token, nil, http.StatusOK, nil)
}

// claimOf reads one string claim of a token's payload.
func claimOf(t *testing.T, token, claim string) string {
	t.Helper()
	var c map[string]any
	payload, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[1])
	if err != nil || json.Unmarshal(payload, &c) != nil {
		t.Fatalf("read the payload of %q: %v", token, err)
	}
	v, _ := c[claim].(string)
	if v == "" {
		t.Fatalf("the token has no %s claim", claim)
	}
	return v
}

// withClaim returns token with one claim of its payload replaced, its
// header and signature kept.
func withClaim(t *testing.T, token, claim, value string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	var c map[string]any
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || json.Unmarshal(payload, &c) != nil {
		t.Fatalf("read the payload of %q: %v", token, err)
	}
	c[claim] = value
	payload, err = json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2]
}
