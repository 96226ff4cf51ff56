package session

import (
	"sync"
	"time"
)

// maxVerified bounds the verified-session memo (tokens are under 1 KiB;
// each session holds its at most MaxRecords records).
const maxVerified = 10_000

// verifiedTokens remembers tokens whose signature already checked out, so
// that a widget calling the API repeatedly pays for parsing and checking
// its token once per session rather than once per request. Keys are
// the exact token strings: a token that differs in one byte misses.
type verifiedTokens struct {
	mu sync.Mutex
	m  map[string]*Session
}

func (v *verifiedTokens) get(token string, now time.Time) (*Session, bool) {
	v.mu.Lock()
	s, ok := v.m[token]
	v.mu.Unlock()
	if !ok || now.After(s.ExpiresAt.Add(sessionLeeway)) {
		return nil, false
	}
	c := *s // callers may not share our copy
	return &c, true
}

func (v *verifiedTokens) put(token string, s *Session, now time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil {
		v.m = make(map[string]*Session)
	}
	if len(v.m) >= maxVerified {
		for k, old := range v.m {
			if now.After(old.ExpiresAt.Add(sessionLeeway)) {
				delete(v.m, k)
			}
		}
		// Still full of live sessions: forget an arbitrary half; they
		// are verified again on their next request.
		for k := range v.m {
			if len(v.m) < maxVerified/2 {
				break
			}
			delete(v.m, k)
		}
	}
	c := *s
	v.m[token] = &c
}
