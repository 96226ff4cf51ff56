package sandbox

import "maps"

// Stats returns how many calls each endpoint received since the last
// reset, faulted and refused calls included. Keys: oauth.authorize,
// oauth.consent, oauth.token, salesAccessTokens, profileAssociations.get,
// profileAssociations.batch, display.widget, sales.profile, media.photo,
// salesContracts, analyticsExport.create, analyticsExport.get,
// validationExport.create, validationExport.get, compliance.authorize,
// compliance.status, compliance.revoke, compliance.events, downloads,
// notFound.
func (s *Sandbox) Stats() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.stats)
}

// ResetStats sets every counter back to zero.
func (s *Sandbox) ResetStats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.stats)
}

func (s *Sandbox) count(endpoint string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats[endpoint]++
}
