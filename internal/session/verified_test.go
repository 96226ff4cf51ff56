package session

import (
	"fmt"
	"testing"
	"time"
)

// The memo of verified tokens remembers every session until it holds
// maxVerified of them, and never holds more: when full it drops expired
// sessions first and, if all are live, half of them (they are verified
// again on their next request). The newest session is always kept.
func TestVerifiedTokensStayBounded(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		scenario   string
		expiresIn  time.Duration
		wantAtMost int
	}{
		{"full of expired sessions: they all go", -time.Minute, 1},
		{"full of live sessions: half of them go", time.Minute, maxVerified/2 + 1},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			var v verifiedTokens
			for i := range maxVerified {
				v.put(fmt.Sprint("token-", i), &Session{ExpiresAt: now.Add(tc.expiresIn)}, now)
			}
			if tc.expiresIn > 0 && len(v.m) != maxVerified {
				t.Fatalf("a memo of %d live sessions holds %d of them", maxVerified, len(v.m))
			}
			v.put("newest", &Session{ID: "newest", ExpiresAt: now.Add(time.Minute)}, now)
			if len(v.m) > tc.wantAtMost {
				t.Fatalf("the memo holds %d sessions, want at most %d", len(v.m), tc.wantAtMost)
			}
			if s, ok := v.get("newest", now); !ok || s.ID != "newest" {
				t.Fatal("the newest session was forgotten")
			}
		})
	}
}
