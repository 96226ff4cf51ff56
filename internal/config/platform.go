package config

import "time"

// Platform tunes the background work of the Sales Navigator platform
// features: export polling and compliance archiving. Zero values take the
// defaults of the services (internal/exports, internal/compliance).
type Platform struct {
	// ExportFirstPoll is the wait before a submitted export is first
	// polled; it doubles while nothing changes. Default: 1s.
	ExportFirstPoll time.Duration `yaml:"exportFirstPoll"`
	// ExportMaxPoll caps the wait between polls of an export. Default: 30s.
	ExportMaxPoll time.Duration `yaml:"exportMaxPoll"`
	// ValidationTimeout gives up a CRM data validation export that is
	// still processing. Default: 2h.
	ValidationTimeout time.Duration `yaml:"validationTimeout"`
	// ComplianceSync is how often opted-in viewers' compliance events are
	// archived. Default: 1h.
	ComplianceSync time.Duration `yaml:"complianceSync"`
	// ComplianceStatusCheck is how often compliance authorizations are
	// re-checked at LinkedIn. Default: 6h.
	ComplianceStatusCheck time.Duration `yaml:"complianceStatusCheck"`
	// Now is the clock of exports and compliance; tests share a shifted
	// one with the LinkedIn stand-in. Default: time.Now.
	Now func() time.Time `yaml:"-"`
}
