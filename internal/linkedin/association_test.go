package linkedin

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

const appTok = "app-token-secret-123"

func TestProfileAssociation(t *testing.T) {
	dynamics := AssociationKey{Partner: "MS", InstanceID: "contoso.crm.dynamics.com", RecordID: "42"}
	matched := map[string]any{
		"member":       "urn:li:person:ABC123def",
		"profile":      "https://www.linkedin.com/sales/people/ABC123def",
		"profilePhoto": "https://media.licdn.com/dms/image/ABC123/profile.jpg",
	}
	tests := []struct {
		scenario  string
		key       AssociationKey
		wantPath  string
		handler   func(n int, w http.ResponseWriter, r *http.Request)
		want      ProfileAssociation
		wantCalls int
		check     func(t *testing.T, err error)
	}{
		{
			scenario: "match with public photo",
			key:      dynamics,
			wantPath: "/v2/salesNavigatorProfileAssociations/(instanceId:contoso.crm.dynamics.com,partner:MS,recordId:42)",
			handler:  func(n int, w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, matched) },
			want: ProfileAssociation{
				Member:       "urn:li:person:ABC123def",
				Profile:      "https://www.linkedin.com/sales/people/ABC123def",
				ProfilePhoto: "https://media.licdn.com/dms/image/ABC123/profile.jpg",
			},
			wantCalls: 1,
		},
		{
			scenario: "match without public photo",
			key:      dynamics,
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, map[string]any{"member": "urn:li:person:X", "profile": "https://www.linkedin.com/sales/people/X"})
			},
			want:      ProfileAssociation{Member: "urn:li:person:X", Profile: "https://www.linkedin.com/sales/people/X"},
			wantCalls: 1,
		},
		{
			scenario: "key values are Rest.li-encoded in the path and not re-escaped",
			key:      AssociationKey{Partner: "SFDC", InstanceID: "org/1?x#y", RecordID: "a,b (c)'d:é%"},
			wantPath: "/v2/salesNavigatorProfileAssociations/(instanceId:org%2F1%3Fx%23y,partner:SFDC,recordId:a%2Cb%20%28c%29%27d%3A%C3%A9%25)",
			handler:  func(n int, w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, matched) },
			want: ProfileAssociation{
				Member:       "urn:li:person:ABC123def",
				Profile:      "https://www.linkedin.com/sales/people/ABC123def",
				ProfilePhoto: "https://media.licdn.com/dms/image/ABC123/profile.jpg",
			},
			wantCalls: 1,
		},
		{
			scenario:  "404 is no match",
			key:       dynamics,
			handler:   func(n int, w http.ResponseWriter, r *http.Request) { liError(w, 404, 0, "Match unavailable") },
			wantCalls: 1,
			check: func(t *testing.T, err error) {
				if !IsNotFound(err) {
					t.Fatalf("IsNotFound(%v) = false", err)
				}
			},
		},
		{
			scenario: "400/40001 is CRM Sync not enabled",
			key:      dynamics,
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				liError(w, 400, 40001, "CRM Sync not enabled for this CRM instance")
			},
			wantCalls: 1,
			check: func(t *testing.T, err error) {
				le := wantErrorStatus(t, err, 400)
				if !IsCRMSyncDisabled(err) || le.ServiceErrorCode != CodeCRMSyncDisabled {
					t.Fatalf("IsCRMSyncDisabled(%v) = false", err)
				}
			},
		},
		{
			scenario: "400/40002 is CRM Sync status unknown",
			key:      dynamics,
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				liError(w, 400, 40002, "cannot determine CRM Sync status")
			},
			wantCalls: 1,
			check: func(t *testing.T, err error) {
				if !IsCRMSyncDisabled(err) {
					t.Fatalf("IsCRMSyncDisabled(%v) = false", err)
				}
			},
		},
		{
			scenario:  "400 missing parameter is not CRM Sync",
			key:       dynamics,
			handler:   func(n int, w http.ResponseWriter, r *http.Request) { liError(w, 400, 0, "missing parameter") },
			wantCalls: 1,
			check: func(t *testing.T, err error) {
				wantErrorStatus(t, err, 400)
				if IsCRMSyncDisabled(err) || IsNotFound(err) {
					t.Fatalf("%v misread as CRM Sync or no match", err)
				}
			},
		},
		{
			scenario:  "403 missing scope is not retried",
			key:       dynamics,
			handler:   func(n int, w http.ResponseWriter, r *http.Request) { liError(w, 403, 0, "Not enough permissions") },
			wantCalls: 1,
			check:     func(t *testing.T, err error) { wantErrorStatus(t, err, 403) },
		},
		{
			scenario:  "429 is throttled after exactly one call",
			key:       dynamics,
			handler:   func(n int, w http.ResponseWriter, r *http.Request) { liError(w, 429, 0, "throttled") },
			wantCalls: 1,
			check: func(t *testing.T, err error) {
				if !IsThrottled(err) {
					t.Fatalf("IsThrottled(%v) = false", err)
				}
			},
		},
		{
			scenario: "500 then 200 succeeds with two calls",
			key:      dynamics,
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					liError(w, 500, 0, "boom")
					return
				}
				writeJSON(w, 200, matched)
			},
			want: ProfileAssociation{
				Member:       "urn:li:person:ABC123def",
				Profile:      "https://www.linkedin.com/sales/people/ABC123def",
				ProfilePhoto: "https://media.licdn.com/dms/image/ABC123/profile.jpg",
			},
			wantCalls: 2,
		},
		{
			scenario:  "200 without member or profile is malformed",
			key:       dynamics,
			handler:   func(n int, w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, map[string]any{}) },
			wantCalls: 1,
			check:     func(t *testing.T, err error) { wantErrorStatus(t, err, 200) },
		},
		{
			scenario:  "empty recordId is refused without a call",
			key:       AssociationKey{Partner: "MS", InstanceID: "x"},
			wantCalls: 0,
			check: func(t *testing.T, err error) {
				if !strings.Contains(err.Error(), "recordId is empty") {
					t.Fatalf("error %q does not name the empty field", err)
				}
			},
		},
		{
			scenario:  "app token never appears in the error",
			key:       dynamics,
			handler:   func(n int, w http.ResponseWriter, r *http.Request) { liError(w, 401, 0, "bad token "+appTok) },
			wantCalls: 1,
			check: func(t *testing.T, err error) {
				if !IsUnauthorized(err) || strings.Contains(err.Error(), appTok) {
					t.Fatalf("error %q: want unauthorized without the token", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			c, up := newUpstream(t, func(n int, w http.ResponseWriter, r *http.Request) {
				if tt.wantPath != "" {
					// RequestURI is the request line as sent: proof that
					// Go did not re-escape the key.
					if r.RequestURI != tt.wantPath || r.URL.EscapedPath() != tt.wantPath {
						t.Errorf("request URI = %q (escaped path %q), want %q", r.RequestURI, r.URL.EscapedPath(), tt.wantPath)
					}
				}
				if r.Header.Get("Authorization") != "Bearer "+appTok || r.Header.Get("X-Restli-Protocol-Version") != "2.0.0" {
					t.Errorf("headers = %v", r.Header)
				}
				tt.handler(n, w, r)
			})
			got, err := c.ProfileAssociation(context.Background(), appTok, tt.key)
			if calls := int(up.calls.Load()); calls != tt.wantCalls {
				t.Errorf("LinkedIn saw %d calls, want %d", calls, tt.wantCalls)
			}
			if tt.check != nil {
				if err == nil {
					t.Fatalf("got %+v, want an error", got)
				}
				tt.check(t, err)
				return
			}
			if err != nil {
				t.Fatalf("ProfileAssociation: %v", err)
			}
			if got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestProfileAssociations(t *testing.T) {
	k1 := AssociationKey{Partner: "MS", InstanceID: "contoso.crm.dynamics.com", RecordID: "1"}
	k2 := AssociationKey{Partner: "MS", InstanceID: "contoso.crm.dynamics.com", RecordID: "a,b (ü)"}
	k3 := AssociationKey{Partner: "MS", InstanceID: "contoso.crm.dynamics.com", RecordID: "3"}
	const wantQuery = "ids=List((instanceId:contoso.crm.dynamics.com,partner:MS,recordId:1)," +
		"(instanceId:contoso.crm.dynamics.com,partner:MS,recordId:a%2Cb%20%28%C3%BC%29)," +
		"(instanceId:contoso.crm.dynamics.com,partner:MS,recordId:3))"
	pa := func(id string) map[string]any {
		return map[string]any{"member": "urn:li:person:" + id, "profile": "https://www.linkedin.com/sales/people/" + id}
	}
	type outcome struct {
		match  string // member URN when matched
		status int    // error status otherwise
		svc    int    // serviceErrorCode
		msg    string // error message
	}
	tests := []struct {
		scenario  string
		keys      []AssociationKey
		wantQuery string
		answer    func(n int, w http.ResponseWriter)
		want      map[AssociationKey]outcome
		wantCalls int
		check     func(t *testing.T, err error)
	}{
		{
			scenario:  "keys answered reordered and differently escaped are matched back",
			keys:      []AssociationKey{k1, k2, k3},
			wantQuery: wantQuery,
			answer: func(n int, w http.ResponseWriter) {
				writeJSON(w, 200, map[string]any{
					"results": map[string]any{
						"(recordId:1,partner:MS,instanceId:contoso.crm.dynamics.com)":               pa("P1"),
						"(partner:MS,recordId:a%2cb%20%28ü%29,instanceId:contoso.crm.dynamics.com)": pa("P2"),
					},
					"statuses": map[string]any{
						"(recordId:1,partner:MS,instanceId:contoso.crm.dynamics.com)":                    200,
						"(partner:MS,recordId:a%2Cb%20%28%C3%BC%29,instanceId:contoso.crm.dynamics.com)": 200,
						"(instanceId:contoso.crm.dynamics.com,partner:MS,recordId:3)":                    404,
					},
					"errors": map[string]any{
						"(instanceId:contoso.crm.dynamics.com,partner:MS,recordId:3)": map[string]any{"status": 404, "message": "Match unavailable"},
					},
				})
			},
			want: map[AssociationKey]outcome{
				k1: {match: "urn:li:person:P1"},
				k2: {match: "urn:li:person:P2"},
				k3: {status: 404, msg: "Match unavailable"},
			},
			wantCalls: 1,
		},
		{
			scenario: "errors given as plain strings take their status from statuses",
			keys:     []AssociationKey{k1, k3},
			answer: func(n int, w http.ResponseWriter) {
				writeJSON(w, 200, map[string]any{
					"results":  map[string]any{},
					"statuses": map[string]any{k1.String(): 404, k3.String(): 400},
					"errors":   map[string]any{k1.String(): "Match unavailable", k3.String(): "missing parameter"},
				})
			},
			want: map[AssociationKey]outcome{
				k1: {status: 404, msg: "Match unavailable"},
				k3: {status: 400, msg: "missing parameter"},
			},
			wantCalls: 1,
		},
		{
			scenario: "per-key CRM Sync error keeps its service error code",
			keys:     []AssociationKey{k1},
			answer: func(n int, w http.ResponseWriter) {
				writeJSON(w, 200, map[string]any{
					"errors": map[string]any{k1.String(): map[string]any{"status": 400, "serviceErrorCode": 40001, "message": "CRM Sync not enabled"}},
				})
			},
			want:      map[AssociationKey]outcome{k1: {status: 400, svc: 40001, msg: "CRM Sync not enabled"}},
			wantCalls: 1,
		},
		{
			scenario: "key left out of the answer is a 500 error, status-only 404 is no match",
			keys:     []AssociationKey{k1, k2, k3},
			answer: func(n int, w http.ResponseWriter) {
				writeJSON(w, 200, map[string]any{
					"results":  map[string]any{k1.String(): pa("P1")},
					"statuses": map[string]any{k3.String(): 404},
				})
			},
			want: map[AssociationKey]outcome{
				k1: {match: "urn:li:person:P1"},
				k2: {status: 500, msg: "missing from batch answer"},
				k3: {status: 404, msg: "Not Found"},
			},
			wantCalls: 1,
		},
		{
			scenario: "keys encoded as a whole and unknown keys in the answer",
			keys:     []AssociationKey{k1},
			answer: func(n int, w http.ResponseWriter) {
				writeJSON(w, 200, map[string]any{
					"results": map[string]any{
						"%28instanceId%3Acontoso.crm.dynamics.com%2Cpartner%3AMS%2CrecordId%3A1%29": pa("P1"),
						"(instanceId:other,partner:MS,recordId:1)":                                  pa("X"),
						"not a key": pa("Y"),
					},
				})
			},
			want:      map[AssociationKey]outcome{k1: {match: "urn:li:person:P1"}},
			wantCalls: 1,
		},
		{
			scenario:  "a key asked twice is sent once",
			keys:      []AssociationKey{k1, k1},
			wantQuery: "ids=List((instanceId:contoso.crm.dynamics.com,partner:MS,recordId:1))",
			answer: func(n int, w http.ResponseWriter) {
				writeJSON(w, 200, map[string]any{"results": map[string]any{k1.String(): pa("P1")}})
			},
			want:      map[AssociationKey]outcome{k1: {match: "urn:li:person:P1"}},
			wantCalls: 1,
		},
		{
			scenario: "500 then 200 succeeds with two calls",
			keys:     []AssociationKey{k1},
			answer: func(n int, w http.ResponseWriter) {
				if n == 1 {
					liError(w, 500, 0, "boom")
					return
				}
				writeJSON(w, 200, map[string]any{"results": map[string]any{k1.String(): pa("P1")}})
			},
			want:      map[AssociationKey]outcome{k1: {match: "urn:li:person:P1"}},
			wantCalls: 2,
		},
		{
			scenario:  "429 on the whole batch is throttled after one call",
			keys:      []AssociationKey{k1, k2},
			answer:    func(n int, w http.ResponseWriter) { liError(w, 429, 0, "throttled") },
			wantCalls: 1,
			check: func(t *testing.T, err error) {
				if !IsThrottled(err) {
					t.Fatalf("IsThrottled(%v) = false", err)
				}
			},
		},
		{
			scenario:  "CRM Sync disabled for the whole batch",
			keys:      []AssociationKey{k1},
			answer:    func(n int, w http.ResponseWriter) { liError(w, 400, 40001, "CRM Sync not enabled") },
			wantCalls: 1,
			check: func(t *testing.T, err error) {
				if !IsCRMSyncDisabled(err) {
					t.Fatalf("IsCRMSyncDisabled(%v) = false", err)
				}
			},
		},
		{
			scenario:  "no keys is refused without a call",
			keys:      nil,
			wantCalls: 0,
			check:     func(t *testing.T, err error) {},
		},
		{
			scenario:  "a key without partner is refused without a call",
			keys:      []AssociationKey{k1, {InstanceID: "x", RecordID: "1"}},
			wantCalls: 0,
			check: func(t *testing.T, err error) {
				if !strings.Contains(err.Error(), "partner is empty") {
					t.Fatalf("error %q does not name the empty field", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			c, up := newUpstream(t, func(n int, w http.ResponseWriter, r *http.Request) {
				if r.URL.EscapedPath() != "/v2/salesNavigatorProfileAssociations" {
					t.Errorf("path = %q", r.URL.EscapedPath())
				}
				if tt.wantQuery != "" && r.URL.RawQuery != tt.wantQuery {
					t.Errorf("query = %q\nwant    %q", r.URL.RawQuery, tt.wantQuery)
				}
				if r.Header.Get("Authorization") != "Bearer "+appTok || r.Header.Get("X-Restli-Protocol-Version") != "2.0.0" {
					t.Errorf("headers = %v", r.Header)
				}
				tt.answer(n, w)
			})
			got, err := c.ProfileAssociations(context.Background(), appTok, tt.keys)
			if calls := int(up.calls.Load()); calls != tt.wantCalls {
				t.Errorf("LinkedIn saw %d calls, want %d", calls, tt.wantCalls)
			}
			if tt.check != nil {
				if err == nil {
					t.Fatalf("got %+v, want an error", got)
				}
				tt.check(t, err)
				return
			}
			if err != nil {
				t.Fatalf("ProfileAssociations: %v", err)
			}
			if len(got.Results)+len(got.Errors) != len(tt.want) {
				t.Fatalf("got %d results and %d errors, want %d keys: %+v", len(got.Results), len(got.Errors), len(tt.want), got)
			}
			for k, w := range tt.want {
				res, matched := got.Results[k]
				e, failed := got.Errors[k]
				switch {
				case matched && failed:
					t.Errorf("%v is both matched and failed", k)
				case w.match != "":
					if res.Member != w.match {
						t.Errorf("%v: member = %q (err %v), want %q", k, res.Member, e, w.match)
					}
				case !failed:
					t.Errorf("%v: no error, want status %d", k, w.status)
				case e.Status != w.status || e.ServiceErrorCode != w.svc || e.Message != w.msg:
					t.Errorf("%v: error = %+v, want %d/%d %q", k, e, w.status, w.svc, w.msg)
				}
			}
		})
	}
}
