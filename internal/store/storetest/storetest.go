// Package storetest is the conformance suite every store.Store
// implementation must pass: every behaviour the services rely on, and the
// concurrency they rely on (the daily budget never overshoots, a one-time
// value and a context id are taken once, conditional member-token writes
// lose no update, a lease has one holder). An implementation's own test calls Run with a function
// that opens a fresh, empty store.
package storetest

import (
	"testing"

	"github.com/snapbridge/snapbridge/internal/store"
)

// Opener returns a fresh, empty, migrated store for one test and closes it
// when the test ends (t.Cleanup).
type Opener func(t *testing.T) store.Store

// Run runs the whole suite, one subtest per behaviour, each on a store of
// its own from open.
func Run(t *testing.T, open Opener) {
	for _, c := range []struct {
		name string
		test func(*testing.T, Opener)
	}{
		{"MemberTokens", testMemberTokens},
		{"MemberTokenValidation", testMemberTokenValidation},
		{"MemberTokensListAndCount", testMemberTokensListAndCount},
		{"MemberTokenKeysCountAndMove", testMemberTokenKeysCountAndMove},
		{"ConcurrentSwapsFromOneReadHaveOneWinner", testConcurrentSwapsFromOneReadHaveOneWinner},
		{"TakeOneTime", testTakeOneTime},
		{"TakeOneTimeConcurrent", testTakeOneTimeConcurrent},
		{"OneTimeStorage", testOneTimeStorage},
		{"TakeOneTimeOfLeavesOthersEmptyHanded", testTakeOneTimeOfLeavesOthersEmptyHanded},
		{"PutOneTimeOnce", testPutOneTimeOnce},
		{"PutOneTimeOnceConcurrentStoresOne", testPutOneTimeOnceConcurrentStoresOne},
		{"RememberJTI", testRememberJTI},
		{"RememberJTIConcurrentOnlyOneWins", testRememberJTIConcurrentOnlyOneWins},
		{"RememberContextConcurrentEachIDOnce", testRememberContextConcurrentEachIDOnce},
		{"ContextRecords", testContextRecords},
		{"ContextRecordsPurgedWithTheirID", testContextRecordsPurgedWithTheirID},
		{"ReserveLookups", testReserveLookups},
		{"ForcedLookupsCountEveryCall", testForcedLookupsCountEveryCall},
		{"ForcedLookupsStartAfreshEachDay", testForcedLookupsStartAfreshEachDay},
		{"ReserveLookupsPurgesOldDays", testReserveLookupsPurgesOldDays},
		{"ReserveLookupsRefusesBadInput", testReserveLookupsRefusesBadInput},
		{"ReserveLookupsConcurrentNeverExceedsLimit", testReserveLookupsConcurrentNeverExceedsLimit},
		{"TenantsSeedAndReplace", testTenantsSeedAndReplace},
		{"ConcurrentTenantUpdatesFromOneReadHaveOneWinner", testConcurrentTenantUpdatesFromOneReadHaveOneWinner},
		{"APIKeys", testAPIKeys},
		{"Audit", testAudit},
		{"ViewerNames", testViewerNames},
		{"HostGrants", testHostGrants},
		{"AnalyticsExports", testAnalyticsExports},
		{"ValidationExports", testValidationExports},
		{"ComplianceArchiveWalksEveryEventOnce", testComplianceArchiveWalksEveryEventOnce},
		{"ComplianceArchiverWritesLeaveTheOptInAlone", testComplianceArchiverWritesLeaveTheOptInAlone},
		{"PurgeExpired", testPurgeExpired},
		{"RunPurgerPurgesAtStartAndStopsWithItsContext", testRunPurgerPurgesAtStartAndStopsWithItsContext},
		{"ReadyOnAFreshStore", testReadyOnAFreshStore},
		{"Leases", testLeases},
		{"LeaseConcurrentOneOwnerWins", testLeaseConcurrentOneOwnerWins},
	} {
		t.Run(c.name, func(t *testing.T) { c.test(t, open) })
	}
}
