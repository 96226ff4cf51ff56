package sandbox

import (
	"crypto/sha256"
	"encoding/binary"
	"strings"
	"time"
)

// Defaults for the platform endpoints' timing, used by New for zero
// Config fields. They are seconds, not LinkedIn's hours, so a console demo
// shows a job move through its states while someone watches.
const (
	DefaultJobEnqueued       = 2 * time.Second
	DefaultJobProcessing     = 6 * time.Second
	DefaultComplianceCadence = time.Minute
	// AnalyticsDownloadLifetime is how long a Sales Analytics download
	// link works, as LinkedIn documents: one hour.
	AnalyticsDownloadLifetime = time.Hour
	// ValidationDownloadLifetime is how long a CRM Data Validation
	// download link works; LinkedIn's example shows about a day.
	ValidationDownloadLifetime = 24 * time.Hour
)

// Job statuses on the wire.
const (
	JobEnqueued      = "ENQUEUED"
	JobProcessing    = "PROCESSING"
	JobCompleted     = "COMPLETED"
	JobInternalError = "FAILED_DUE_TO_INTERNAL_ERROR"
)

// JobTiming is how long an export job spends in each state. A job waits
// Enqueued once nothing runs ahead of it, then processes for Processing,
// then ends. Validation jobs have no ENQUEUED state on the wire: they
// report PROCESSING for Enqueued+Processing.
type JobTiming struct {
	// Enqueued is the wait before processing starts. Default: 2s.
	Enqueued time.Duration `yaml:"enqueued"`
	// Processing is how long processing takes. Default: 6s.
	Processing time.Duration `yaml:"processing"`
}

func (t JobTiming) withDefaults() JobTiming {
	if t.Enqueued <= 0 {
		t.Enqueued = DefaultJobEnqueued
	}
	if t.Processing <= 0 {
		t.Processing = DefaultJobProcessing
	}
	return t
}

// timeline is when a job changes state; every time is fixed when the job
// is created, so its status is a pure function of the clock at GET time
// and no goroutine has to move it along.
type timeline struct {
	processing time.Time // ENQUEUED before, PROCESSING from
	done       time.Time // terminal from
	// outcome is the terminal status: COMPLETED or a FAILED_DUE_TO_….
	outcome string
}

// status is the job's wire status at now.
func (t timeline) status(now time.Time) string {
	switch {
	case now.Before(t.processing):
		return JobEnqueued
	case now.Before(t.done):
		return JobProcessing
	default:
		return t.outcome
	}
}

// exportOutcome is the terminal status of a job created now: the
// injected failure, or COMPLETED. The caller holds the lock.
func (s *Sandbox) exportOutcome() string {
	if s.faults.FailExports {
		return JobInternalError
	}
	return JobCompleted
}

// hash64 is a stable 64-bit number for the parts, so generated data is
// the same on every run.
func hash64(parts ...string) uint64 {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return binary.BigEndian.Uint64(sum[:8])
}
