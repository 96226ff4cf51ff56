package metrics

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

// Store wraps db so every call is timed and every failure counted by
// operation (the method's name), and the leases this instance holds are
// reported by kind. Methods added to store.Store later pass through
// untimed until listed here. When m is nil it returns db unchanged.
func (m *Registry) Store(db store.Store) store.Store {
	if m == nil || db == nil {
		return db
	}
	return instrumentedStore{Store: db, m: m}
}

// instrumentedStore times the calls it forwards to the embedded store.
type instrumentedStore struct {
	store.Store
	m *Registry
}

// Unwrap returns the store it wraps.
func (s instrumentedStore) Unwrap() store.Store { return s.Store }

func (s instrumentedStore) observe(op string, start time.Time, err error) {
	s.m.storeDuration.WithLabelValues(op).Observe(time.Since(start).Seconds())
	if err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrStale) {
		s.m.storeErrors.WithLabelValues(op).Inc()
	}
}

// leaseHeld records whether this instance holds the lease name, and
// updates the gauge of its kind (the name up to its first ':').
func (m *Registry) leaseHeld(name string, held bool) {
	kind, _, _ := strings.Cut(name, ":")
	m.leaseMu.Lock()
	defer m.leaseMu.Unlock()
	if held == m.leases[name] {
		return
	}
	if held {
		m.leases[name] = true
		m.leasesHeld.WithLabelValues(kind).Inc()
	} else {
		delete(m.leases, name)
		m.leasesHeld.WithLabelValues(kind).Dec()
	}
}

// APIKey times the store's APIKey.
func (s instrumentedStore) APIKey(ctx context.Context, a1 string) (store.APIKeyRow, error) {
	start := time.Now()
	r0, r1 := s.Store.APIKey(ctx, a1)
	s.observe("APIKey", start, r1)
	return r0, r1
}

// APIKeys times the store's APIKeys.
func (s instrumentedStore) APIKeys(ctx context.Context, a1 string) ([]store.APIKeyRow, error) {
	start := time.Now()
	r0, r1 := s.Store.APIKeys(ctx, a1)
	s.observe("APIKeys", start, r1)
	return r0, r1
}

// AcquireLease times the store's AcquireLease.
func (s instrumentedStore) AcquireLease(ctx context.Context, a1 string, a2 string, a3 time.Duration, a4 time.Time) (bool, error) {
	start := time.Now()
	r0, r1 := s.Store.AcquireLease(ctx, a1, a2, a3, a4)
	s.observe("AcquireLease", start, r1)
	if r1 == nil {
		s.m.leaseHeld(a1, r0)
	}
	return r0, r1
}

// AddAudit times the store's AddAudit.
func (s instrumentedStore) AddAudit(ctx context.Context, a1 store.AuditEntry) error {
	start := time.Now()
	r0 := s.Store.AddAudit(ctx, a1)
	s.observe("AddAudit", start, r0)
	return r0
}

// AnalyticsExportByID times the store's AnalyticsExportByID.
func (s instrumentedStore) AnalyticsExportByID(ctx context.Context, a1 string, a2 int64) (store.AnalyticsExport, error) {
	start := time.Now()
	r0, r1 := s.Store.AnalyticsExportByID(ctx, a1, a2)
	s.observe("AnalyticsExportByID", start, r1)
	return r0, r1
}

// AnalyticsExportRunning times the store's AnalyticsExportRunning.
func (s instrumentedStore) AnalyticsExportRunning(ctx context.Context, a1 string, a2 string, a3 string) (bool, error) {
	start := time.Now()
	r0, r1 := s.Store.AnalyticsExportRunning(ctx, a1, a2, a3)
	s.observe("AnalyticsExportRunning", start, r1)
	return r0, r1
}

// AnalyticsExports times the store's AnalyticsExports.
func (s instrumentedStore) AnalyticsExports(ctx context.Context, a1 string, a2 int) ([]store.AnalyticsExport, error) {
	start := time.Now()
	r0, r1 := s.Store.AnalyticsExports(ctx, a1, a2)
	s.observe("AnalyticsExports", start, r1)
	return r0, r1
}

// AnalyticsExportsWithStatus times the store's AnalyticsExportsWithStatus.
func (s instrumentedStore) AnalyticsExportsWithStatus(ctx context.Context, a1 string) ([]store.AnalyticsExport, error) {
	start := time.Now()
	r0, r1 := s.Store.AnalyticsExportsWithStatus(ctx, a1)
	s.observe("AnalyticsExportsWithStatus", start, r1)
	return r0, r1
}

// ArchiveComplianceEvents times the store's ArchiveComplianceEvents.
func (s instrumentedStore) ArchiveComplianceEvents(ctx context.Context, a1 string, a2 string, a3 []store.ComplianceEventRow, a4 time.Time) (int, error) {
	start := time.Now()
	r0, r1 := s.Store.ArchiveComplianceEvents(ctx, a1, a2, a3, a4)
	s.observe("ArchiveComplianceEvents", start, r1)
	return r0, r1
}

// Audit times the store's Audit.
func (s instrumentedStore) Audit(ctx context.Context, a1 string, a2 int) ([]store.AuditEntry, error) {
	start := time.Now()
	r0, r1 := s.Store.Audit(ctx, a1, a2)
	s.observe("Audit", start, r1)
	return r0, r1
}

// ComplianceRuns times the store's ComplianceRuns.
func (s instrumentedStore) ComplianceRuns(ctx context.Context, a1 string, a2 string, a3 int) ([]store.ComplianceRun, error) {
	start := time.Now()
	r0, r1 := s.Store.ComplianceRuns(ctx, a1, a2, a3)
	s.observe("ComplianceRuns", start, r1)
	return r0, r1
}

// ComplianceViewerOf times the store's ComplianceViewerOf.
func (s instrumentedStore) ComplianceViewerOf(ctx context.Context, a1 string, a2 string) (store.ComplianceViewer, error) {
	start := time.Now()
	r0, r1 := s.Store.ComplianceViewerOf(ctx, a1, a2)
	s.observe("ComplianceViewerOf", start, r1)
	return r0, r1
}

// ComplianceViewers times the store's ComplianceViewers.
func (s instrumentedStore) ComplianceViewers(ctx context.Context, a1 string) ([]store.ComplianceViewer, error) {
	start := time.Now()
	r0, r1 := s.Store.ComplianceViewers(ctx, a1)
	s.observe("ComplianceViewers", start, r1)
	return r0, r1
}

// ContextRecords times the store's ContextRecords.
func (s instrumentedStore) ContextRecords(ctx context.Context, a1 string, a2 string, a3 time.Time) ([]uint8, error) {
	start := time.Now()
	r0, r1 := s.Store.ContextRecords(ctx, a1, a2, a3)
	s.observe("ContextRecords", start, r1)
	return r0, r1
}

// CountMemberTokens times the store's CountMemberTokens.
func (s instrumentedStore) CountMemberTokens(ctx context.Context, a1 string, a2 string) (int, error) {
	start := time.Now()
	r0, r1 := s.Store.CountMemberTokens(ctx, a1, a2)
	s.observe("CountMemberTokens", start, r1)
	return r0, r1
}

// CreateAPIKey times the store's CreateAPIKey.
func (s instrumentedStore) CreateAPIKey(ctx context.Context, a1 store.APIKeyRow) error {
	start := time.Now()
	r0 := s.Store.CreateAPIKey(ctx, a1)
	s.observe("CreateAPIKey", start, r0)
	return r0
}

// DeleteMemberToken times the store's DeleteMemberToken.
func (s instrumentedStore) DeleteMemberToken(ctx context.Context, a1 string, a2 string) error {
	start := time.Now()
	r0 := s.Store.DeleteMemberToken(ctx, a1, a2)
	s.observe("DeleteMemberToken", start, r0)
	return r0
}

// EachComplianceEvent times the store's EachComplianceEvent.
func (s instrumentedStore) EachComplianceEvent(ctx context.Context, a1 store.ComplianceEventQuery, a2 func(store.ComplianceEventRow) error) error {
	start := time.Now()
	r0 := s.Store.EachComplianceEvent(ctx, a1, a2)
	s.observe("EachComplianceEvent", start, r0)
	return r0
}

// InsertAnalyticsExport times the store's InsertAnalyticsExport.
func (s instrumentedStore) InsertAnalyticsExport(ctx context.Context, a1 store.AnalyticsExport) (store.AnalyticsExport, error) {
	start := time.Now()
	r0, r1 := s.Store.InsertAnalyticsExport(ctx, a1)
	s.observe("InsertAnalyticsExport", start, r1)
	return r0, r1
}

// InsertTenantIfAbsent times the store's InsertTenantIfAbsent.
func (s instrumentedStore) InsertTenantIfAbsent(ctx context.Context, a1 store.TenantRow) (bool, error) {
	start := time.Now()
	r0, r1 := s.Store.InsertTenantIfAbsent(ctx, a1)
	s.observe("InsertTenantIfAbsent", start, r1)
	return r0, r1
}

// InsertValidationExport times the store's InsertValidationExport.
func (s instrumentedStore) InsertValidationExport(ctx context.Context, a1 store.ValidationExport) (store.ValidationExport, error) {
	start := time.Now()
	r0, r1 := s.Store.InsertValidationExport(ctx, a1)
	s.observe("InsertValidationExport", start, r1)
	return r0, r1
}

// LookupsUsed times the store's LookupsUsed.
func (s instrumentedStore) LookupsUsed(ctx context.Context, a1 string, a2 string) (int, error) {
	start := time.Now()
	r0, r1 := s.Store.LookupsUsed(ctx, a1, a2)
	s.observe("LookupsUsed", start, r1)
	return r0, r1
}

// MemberToken times the store's MemberToken.
func (s instrumentedStore) MemberToken(ctx context.Context, a1 string, a2 string) (store.MemberTokenRow, error) {
	start := time.Now()
	r0, r1 := s.Store.MemberToken(ctx, a1, a2)
	s.observe("MemberToken", start, r1)
	return r0, r1
}

// MemberTokenKeyCounts times the store's MemberTokenKeyCounts.
func (s instrumentedStore) MemberTokenKeyCounts(ctx context.Context) ([]store.MemberTokenKeyCount, error) {
	start := time.Now()
	r0, r1 := s.Store.MemberTokenKeyCounts(ctx)
	s.observe("MemberTokenKeyCounts", start, r1)
	return r0, r1
}

// MemberTokens times the store's MemberTokens.
func (s instrumentedStore) MemberTokens(ctx context.Context) ([]store.MemberTokenRow, error) {
	start := time.Now()
	r0, r1 := s.Store.MemberTokens(ctx)
	s.observe("MemberTokens", start, r1)
	return r0, r1
}

// PurgeExpired times the store's PurgeExpired.
func (s instrumentedStore) PurgeExpired(ctx context.Context, a1 time.Time) (store.Purged, error) {
	start := time.Now()
	r0, r1 := s.Store.PurgeExpired(ctx, a1)
	s.observe("PurgeExpired", start, r1)
	return r0, r1
}

// PutComplianceViewer times the store's PutComplianceViewer.
func (s instrumentedStore) PutComplianceViewer(ctx context.Context, a1 store.ComplianceViewer) error {
	start := time.Now()
	r0 := s.Store.PutComplianceViewer(ctx, a1)
	s.observe("PutComplianceViewer", start, r0)
	return r0
}

// PutMemberToken times the store's PutMemberToken.
func (s instrumentedStore) PutMemberToken(ctx context.Context, a1 store.MemberTokenRow) error {
	start := time.Now()
	r0 := s.Store.PutMemberToken(ctx, a1)
	s.observe("PutMemberToken", start, r0)
	return r0
}

// PutOneTime times the store's PutOneTime.
func (s instrumentedStore) PutOneTime(ctx context.Context, a1 string, a2 string, a3 store.OneTime) error {
	start := time.Now()
	r0 := s.Store.PutOneTime(ctx, a1, a2, a3)
	s.observe("PutOneTime", start, r0)
	return r0
}

// PutOneTimeOnce times the store's PutOneTimeOnce.
func (s instrumentedStore) PutOneTimeOnce(ctx context.Context, a1 string, a2 string, a3 store.OneTime, a4 time.Time, a5 func(store.OneTime) bool) (store.OneTime, bool, error) {
	start := time.Now()
	r0, r1, r2 := s.Store.PutOneTimeOnce(ctx, a1, a2, a3, a4, a5)
	s.observe("PutOneTimeOnce", start, r2)
	return r0, r1, r2
}

// Ready times the store's Ready.
func (s instrumentedStore) Ready(ctx context.Context) error {
	start := time.Now()
	r0 := s.Store.Ready(ctx)
	s.observe("Ready", start, r0)
	return r0
}

// RecordComplianceAttempt times the store's RecordComplianceAttempt.
func (s instrumentedStore) RecordComplianceAttempt(ctx context.Context, a1 string, a2 string, a3 time.Time, a4 string) error {
	start := time.Now()
	r0 := s.Store.RecordComplianceAttempt(ctx, a1, a2, a3, a4)
	s.observe("RecordComplianceAttempt", start, r0)
	return r0
}

// RecordComplianceCheck times the store's RecordComplianceCheck.
func (s instrumentedStore) RecordComplianceCheck(ctx context.Context, a1 string, a2 string, a3 time.Time, a4 string) error {
	start := time.Now()
	r0 := s.Store.RecordComplianceCheck(ctx, a1, a2, a3, a4)
	s.observe("RecordComplianceCheck", start, r0)
	return r0
}

// RecordComplianceRun times the store's RecordComplianceRun.
func (s instrumentedStore) RecordComplianceRun(ctx context.Context, a1 store.ComplianceRun) error {
	start := time.Now()
	r0 := s.Store.RecordComplianceRun(ctx, a1)
	s.observe("RecordComplianceRun", start, r0)
	return r0
}

// ReleaseLease times the store's ReleaseLease.
func (s instrumentedStore) ReleaseLease(ctx context.Context, a1 string, a2 string) error {
	start := time.Now()
	r0 := s.Store.ReleaseLease(ctx, a1, a2)
	s.observe("ReleaseLease", start, r0)
	if r0 == nil {
		s.m.leaseHeld(a1, false)
	}
	return r0
}

// RememberContext times the store's RememberContext.
func (s instrumentedStore) RememberContext(ctx context.Context, a1 string, a2 string, a3 time.Time, a4 []uint8) (bool, error) {
	start := time.Now()
	r0, r1 := s.Store.RememberContext(ctx, a1, a2, a3, a4)
	s.observe("RememberContext", start, r1)
	return r0, r1
}

// RememberJTI times the store's RememberJTI.
func (s instrumentedStore) RememberJTI(ctx context.Context, a1 string, a2 string, a3 time.Time) (bool, error) {
	start := time.Now()
	r0, r1 := s.Store.RememberJTI(ctx, a1, a2, a3)
	s.observe("RememberJTI", start, r1)
	return r0, r1
}

// RememberViewerName times the store's RememberViewerName.
func (s instrumentedStore) RememberViewerName(ctx context.Context, a1 string, a2 string, a3 string, a4 time.Time) error {
	start := time.Now()
	r0 := s.Store.RememberViewerName(ctx, a1, a2, a3, a4)
	s.observe("RememberViewerName", start, r0)
	return r0
}

// ResealMemberToken times the store's ResealMemberToken.
func (s instrumentedStore) ResealMemberToken(ctx context.Context, a1 string, a2 string, a3 []uint8, a4 string, a5 []uint8) (bool, error) {
	start := time.Now()
	r0, r1 := s.Store.ResealMemberToken(ctx, a1, a2, a3, a4, a5)
	s.observe("ResealMemberToken", start, r1)
	return r0, r1
}

// ResealTenant times the store's ResealTenant.
func (s instrumentedStore) ResealTenant(ctx context.Context, a1 string, a2 []uint8, a3 string, a4 []uint8) (bool, error) {
	start := time.Now()
	r0, r1 := s.Store.ResealTenant(ctx, a1, a2, a3, a4)
	s.observe("ResealTenant", start, r1)
	return r0, r1
}

// ReserveForcedLookups times the store's ReserveForcedLookups.
func (s instrumentedStore) ReserveForcedLookups(ctx context.Context, a1 string, a2 string, a3 []string, a4 int) ([]string, int, error) {
	start := time.Now()
	r0, r1, r2 := s.Store.ReserveForcedLookups(ctx, a1, a2, a3, a4)
	s.observe("ReserveForcedLookups", start, r2)
	return r0, r1, r2
}

// ReserveLookups times the store's ReserveLookups.
func (s instrumentedStore) ReserveLookups(ctx context.Context, a1 string, a2 string, a3 []string, a4 int) ([]string, int, error) {
	start := time.Now()
	r0, r1, r2 := s.Store.ReserveLookups(ctx, a1, a2, a3, a4)
	s.observe("ReserveLookups", start, r2)
	return r0, r1, r2
}

// RevokeAPIKey times the store's RevokeAPIKey.
func (s instrumentedStore) RevokeAPIKey(ctx context.Context, a1 string, a2 string, a3 time.Time) error {
	start := time.Now()
	r0 := s.Store.RevokeAPIKey(ctx, a1, a2, a3)
	s.observe("RevokeAPIKey", start, r0)
	return r0
}

// SetMemberTokenStatusByKey times the store's SetMemberTokenStatusByKey.
func (s instrumentedStore) SetMemberTokenStatusByKey(ctx context.Context, a1 string, a2 string, a3 string) (int, error) {
	start := time.Now()
	r0, r1 := s.Store.SetMemberTokenStatusByKey(ctx, a1, a2, a3)
	s.observe("SetMemberTokenStatusByKey", start, r1)
	return r0, r1
}

// StoredTenant times the store's StoredTenant.
func (s instrumentedStore) StoredTenant(ctx context.Context, a1 string) (store.TenantRow, error) {
	start := time.Now()
	r0, r1 := s.Store.StoredTenant(ctx, a1)
	s.observe("StoredTenant", start, r1)
	return r0, r1
}

// StoredTenants times the store's StoredTenants.
func (s instrumentedStore) StoredTenants(ctx context.Context) ([]store.TenantRow, error) {
	start := time.Now()
	r0, r1 := s.Store.StoredTenants(ctx)
	s.observe("StoredTenants", start, r1)
	return r0, r1
}

// SwapComplianceStatus times the store's SwapComplianceStatus.
func (s instrumentedStore) SwapComplianceStatus(ctx context.Context, a1 string, a2 string, a3 string, a4 string, a5 time.Time, a6 time.Time) (bool, error) {
	start := time.Now()
	r0, r1 := s.Store.SwapComplianceStatus(ctx, a1, a2, a3, a4, a5, a6)
	s.observe("SwapComplianceStatus", start, r1)
	return r0, r1
}

// SwapMemberToken times the store's SwapMemberToken.
func (s instrumentedStore) SwapMemberToken(ctx context.Context, a1 store.MemberTokenRow, a2 store.MemberTokenRow) (bool, error) {
	start := time.Now()
	r0, r1 := s.Store.SwapMemberToken(ctx, a1, a2)
	s.observe("SwapMemberToken", start, r1)
	return r0, r1
}

// TakeOneTime times the store's TakeOneTime.
func (s instrumentedStore) TakeOneTime(ctx context.Context, a1 string, a2 string, a3 time.Time) (store.OneTime, error) {
	start := time.Now()
	r0, r1 := s.Store.TakeOneTime(ctx, a1, a2, a3)
	s.observe("TakeOneTime", start, r1)
	return r0, r1
}

// TakeOneTimeOf times the store's TakeOneTimeOf.
func (s instrumentedStore) TakeOneTimeOf(ctx context.Context, a1 string, a2 string, a3 store.OneTime, a4 time.Time) (store.OneTime, error) {
	start := time.Now()
	r0, r1 := s.Store.TakeOneTimeOf(ctx, a1, a2, a3, a4)
	s.observe("TakeOneTimeOf", start, r1)
	return r0, r1
}

// TouchAPIKey times the store's TouchAPIKey.
func (s instrumentedStore) TouchAPIKey(ctx context.Context, a1 string, a2 time.Time) error {
	start := time.Now()
	r0 := s.Store.TouchAPIKey(ctx, a1, a2)
	s.observe("TouchAPIKey", start, r0)
	return r0
}

// UpdateAnalyticsExport times the store's UpdateAnalyticsExport.
func (s instrumentedStore) UpdateAnalyticsExport(ctx context.Context, a1 store.AnalyticsExport) error {
	start := time.Now()
	r0 := s.Store.UpdateAnalyticsExport(ctx, a1)
	s.observe("UpdateAnalyticsExport", start, r0)
	return r0
}

// UpdateTenant times the store's UpdateTenant.
func (s instrumentedStore) UpdateTenant(ctx context.Context, a1 store.TenantRow, a2 int64) (int64, error) {
	start := time.Now()
	r0, r1 := s.Store.UpdateTenant(ctx, a1, a2)
	s.observe("UpdateTenant", start, r1)
	return r0, r1
}

// UpdateValidationExport times the store's UpdateValidationExport.
func (s instrumentedStore) UpdateValidationExport(ctx context.Context, a1 store.ValidationExport) error {
	start := time.Now()
	r0 := s.Store.UpdateValidationExport(ctx, a1)
	s.observe("UpdateValidationExport", start, r0)
	return r0
}

// ValidationCursor times the store's ValidationCursor.
func (s instrumentedStore) ValidationCursor(ctx context.Context, a1 string) (time.Time, error) {
	start := time.Now()
	r0, r1 := s.Store.ValidationCursor(ctx, a1)
	s.observe("ValidationCursor", start, r1)
	return r0, r1
}

// ValidationExportByID times the store's ValidationExportByID.
func (s instrumentedStore) ValidationExportByID(ctx context.Context, a1 string, a2 int64) (store.ValidationExport, error) {
	start := time.Now()
	r0, r1 := s.Store.ValidationExportByID(ctx, a1, a2)
	s.observe("ValidationExportByID", start, r1)
	return r0, r1
}

// ValidationExports times the store's ValidationExports.
func (s instrumentedStore) ValidationExports(ctx context.Context, a1 string, a2 int) ([]store.ValidationExport, error) {
	start := time.Now()
	r0, r1 := s.Store.ValidationExports(ctx, a1, a2)
	s.observe("ValidationExports", start, r1)
	return r0, r1
}

// ValidationExportsWithStatus times the store's ValidationExportsWithStatus.
func (s instrumentedStore) ValidationExportsWithStatus(ctx context.Context, a1 string) ([]store.ValidationExport, error) {
	start := time.Now()
	r0, r1 := s.Store.ValidationExportsWithStatus(ctx, a1)
	s.observe("ValidationExportsWithStatus", start, r1)
	return r0, r1
}

// ViewerNames times the store's ViewerNames.
func (s instrumentedStore) ViewerNames(ctx context.Context, a1 string, a2 []string) (map[string]string, error) {
	start := time.Now()
	r0, r1 := s.Store.ViewerNames(ctx, a1, a2)
	s.observe("ViewerNames", start, r1)
	return r0, r1
}
