package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// stateVersion is the state file's format; Open refuses others.
const stateVersion = 1

// stateFile is what the stand-in keeps on disk: the tokens it issued
// (authorization codes live ten minutes and stay in memory) and the apps
// registered while it ran. It holds live LinkedIn-like secrets, so it is
// written 0600 and belongs to the stand-in alone.
type stateFile struct {
	Version int                   `json:"version"`
	Apps    []App                 `json:"apps,omitempty"`
	Access  map[string]savedGrant `json:"access,omitempty"`
	Refresh map[string]savedGrant `json:"refresh,omitempty"`
	SATs    map[string]savedGrant `json:"sats,omitempty"`
}

type savedGrant struct {
	ClientID string    `json:"clientId"`
	MemberID string    `json:"memberId,omitempty"`
	Scopes   []string  `json:"scopes,omitempty"`
	Expires  time.Time `json:"expires"`
}

// Open is New that starts from cfg.StateFile (when it exists) and keeps
// it up to date: every token issued and every app registered is written
// to it at once, so a restarted stand-in still honours the tokens it gave
// out and knows the apps registered at run time. Without a StateFile it
// is New.
func Open(cfg Config) (*Sandbox, error) {
	s := New(cfg)
	if cfg.StateFile == "" {
		return s, nil
	}
	raw, err := os.ReadFile(cfg.StateFile)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("sandbox state: %w", err)
	default:
		if err := s.restore(raw); err != nil {
			return nil, fmt.Errorf("sandbox state %s: %w (delete the file to start over; demo sellers then connect again)", cfg.StateFile, err)
		}
	}
	s.stateFile = cfg.StateFile
	return s, nil
}

// restore loads a state file into a stand-in that is not serving yet.
func (s *Sandbox) restore(raw []byte) error {
	var st stateFile
	if err := json.Unmarshal(raw, &st); err != nil {
		return err
	}
	if st.Version != stateVersion {
		return fmt.Errorf("version %d, this stand-in reads version %d", st.Version, stateVersion)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range st.Apps {
		if err := checkApp(a); err != nil {
			return fmt.Errorf("app %q: %w", a.ClientID, err)
		}
		s.registerLocked(a)
	}
	now := s.now()
	for _, kind := range []struct {
		saved map[string]savedGrant
		into  map[string]grant
	}{{st.Access, s.grants.access}, {st.Refresh, s.grants.refresh}, {st.SATs, s.grants.sats}} {
		for token, g := range kind.saved {
			if now.Before(g.Expires) {
				kind.into[token] = grant{clientID: g.ClientID, memberID: g.MemberID, scopes: g.Scopes, expires: g.Expires}
			}
		}
	}
	return nil
}

// persist writes the state file, when there is one. Writers take turns
// and each writes the state as it is when its turn comes, so the file
// never goes back to an older state.
func (s *Sandbox) persist() {
	if s.stateFile == "" {
		return
	}
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	raw, err := json.Marshal(s.snapshot())
	if err == nil {
		err = writeFileAtomic(s.stateFile, raw)
	}
	if err != nil {
		// The error names the file, never a token.
		s.logger().Error("the LinkedIn stand-in could not save its state; after a restart sellers may have to connect again",
			"file", s.stateFile, "error", err)
	}
}

// snapshot copies the live grants and the registered apps.
func (s *Sandbox) snapshot() stateFile {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	save := func(m map[string]grant) map[string]savedGrant {
		out := make(map[string]savedGrant, len(m))
		for token, g := range m {
			if g.live(now) {
				out[token] = savedGrant{ClientID: g.clientID, MemberID: g.memberID, Scopes: g.scopes, Expires: g.expires}
			}
		}
		return out
	}
	st := stateFile{Version: stateVersion, Access: save(s.grants.access), Refresh: save(s.grants.refresh), SATs: save(s.grants.sats)}
	for _, a := range s.registered {
		st.Apps = append(st.Apps, a.clone())
	}
	return st
}

// writeFileAtomic replaces path with data (mode 0600) through a temporary
// file in the same directory, so a crash leaves the old file or the new
// one, never half of one.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".grants-*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful rename there is nothing to remove
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func (s *Sandbox) logger() *slog.Logger {
	if s.cfg.Logger != nil {
		return s.cfg.Logger
	}
	return slog.Default()
}
