package sandbox

import (
	"crypto/rand"
	"time"
)

// Token prefixes: every secret the stand-in issues starts with "sandbox-",
// so tests can search logs and browser-visible output for leaks.
const (
	prefixAccessToken  = "sandbox-at-"
	prefixRefreshToken = "sandbox-rt-"
	prefixAppToken     = "sandbox-app-"
	prefixSAT          = "sandbox-sat-"
	prefixCode         = "sandbox-code-"
)

// grant is what an issued token or code stands for.
type grant struct {
	clientID string
	memberID string // empty for application tokens
	scopes   []string
	expires  time.Time
	// redirectURI and challenge are set for authorization codes only.
	redirectURI string
	challenge   string
}

func (g grant) live(now time.Time) bool { return now.Before(g.expires) }

// grantStore holds every token and code issued; the Sandbox lock guards it.
type grantStore struct {
	access  map[string]grant // member and application bearer tokens
	refresh map[string]grant
	sats    map[string]grant
	codes   map[string]grant
}

func newGrantStore() grantStore {
	return grantStore{
		access:  map[string]grant{},
		refresh: map[string]grant{},
		sats:    map[string]grant{},
		codes:   map[string]grant{},
	}
}

// sweepAbove bounds memory: once a map holds this many entries, expired
// ones are dropped before adding another.
const sweepAbove = 4096

// put stores g under a new random token with the prefix and returns it.
func put(m map[string]grant, prefix string, g grant, now time.Time) string {
	if len(m) >= sweepAbove {
		for k, v := range m {
			if !v.live(now) {
				delete(m, k)
			}
		}
	}
	token := prefix + rand.Text()
	m[token] = g
	return token
}

// issue stores a grant as a token of the given kind.
// Every token but an authorization code is saved to the state file.
func (s *Sandbox) issue(kind func(*grantStore) map[string]grant, prefix string, g grant) string {
	s.mu.Lock()
	token := put(kind(&s.grants), prefix, g, s.now())
	s.mu.Unlock()
	if prefix != prefixCode {
		s.persist()
	}
	return token
}

// lookup returns the grant for a token of the given kind, live or not.
func (s *Sandbox) lookup(kind func(*grantStore) map[string]grant, token string) (grant, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := kind(&s.grants)[token]
	return g, ok
}

// takeCode removes and returns a code: codes work once, even when the
// exchange then fails, as LinkedIn's do.
func (s *Sandbox) takeCode(code string) (grant, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.grants.codes[code]
	delete(s.grants.codes, code)
	return g, ok
}

func accessTokens(g *grantStore) map[string]grant  { return g.access }
func refreshTokens(g *grantStore) map[string]grant { return g.refresh }
func salesTokens(g *grantStore) map[string]grant   { return g.sats }
func authCodes(g *grantStore) map[string]grant     { return g.codes }
