package store

import (
	"errors"
	"fmt"
	"time"
)

// The checks below are the input checks every engine makes before it
// touches the database, so both refuse the same rows with the same
// messages.

// CheckPut refuses a member token row without tenant, viewer, key id,
// sealed token or status; PutMemberToken calls it before writing.
func (row MemberTokenRow) CheckPut() error {
	switch {
	case row.Tenant == "" || row.Viewer == "":
		return errors.New("put member token: tenant and viewer are required")
	case row.KeyID == "" || len(row.Sealed) == 0:
		return fmt.Errorf("put member token %s/%s: key id and sealed token are required", row.Tenant, row.Viewer)
	case row.Status == "":
		return fmt.Errorf("put member token %s/%s: status is required", row.Tenant, row.Viewer)
	}
	return nil
}

// CheckResealMemberToken refuses a re-encryption without key id or sealed
// token; ResealMemberToken calls it before writing.
func CheckResealMemberToken(tenant, viewer, keyID string, sealed []byte) error {
	if keyID == "" || len(sealed) == 0 {
		return fmt.Errorf("reseal member token %s/%s: key id and sealed token are required", tenant, viewer)
	}
	return nil
}

// CheckSwapMemberToken refuses a swap whose row read is incomplete, whose
// new row names another tenant or viewer, or whose new row lacks key id,
// sealed token or status; SwapMemberToken calls it before writing.
func CheckSwapMemberToken(prev, next MemberTokenRow) error {
	switch {
	case prev.Tenant == "" || prev.Viewer == "" || len(prev.Sealed) == 0 || prev.Status == "":
		return errors.New("swap member token: the row read (tenant, viewer, sealed token, status) is required")
	case next.Tenant != prev.Tenant || next.Viewer != prev.Viewer:
		return fmt.Errorf("swap member token %s/%s: the new row names %s/%s", prev.Tenant, prev.Viewer, next.Tenant, next.Viewer)
	case next.KeyID == "" || len(next.Sealed) == 0 || next.Status == "":
		return fmt.Errorf("swap member token %s/%s: key id, sealed token and status are required", prev.Tenant, prev.Viewer)
	}
	return nil
}

// CheckMemberTokenStatusByKey refuses an empty key id or status;
// SetMemberTokenStatusByKey calls it before writing.
func CheckMemberTokenStatusByKey(keyID, from, to string) error {
	if keyID == "" || from == "" || to == "" {
		return errors.New("set member token status by key: key id and both statuses are required")
	}
	return nil
}

// CheckResealTenant refuses a re-encryption of tenant id's secrets without
// key id or sealed secrets; ResealTenant calls it before writing.
func CheckResealTenant(id, keyID string, sealed []byte) error {
	if keyID == "" || len(sealed) == 0 {
		return fmt.Errorf("reseal tenant %s: key id and sealed secrets are required", id)
	}
	return nil
}

// Check refuses a key without id, tenant or secret hash; CreateAPIKey
// calls it before writing.
func (row APIKeyRow) Check() error {
	if row.ID == "" || row.Tenant == "" || len(row.SecretHash) == 0 {
		return errors.New("create api key: id, tenant and secret hash are required")
	}
	return nil
}

// Check refuses an entry without tenant, actor or action; AddAudit calls
// it before writing.
func (e AuditEntry) Check() error {
	if e.Tenant == "" || e.Actor == "" || e.Action == "" {
		return errors.New("add audit entry: tenant, actor and action are required")
	}
	return nil
}

// Check refuses a viewer row without tenant, viewer or status;
// PutComplianceViewer calls it before writing.
func (v ComplianceViewer) Check() error {
	if v.Tenant == "" || v.Viewer == "" || v.Status == "" {
		return errors.New("put compliance viewer: tenant, viewer and status are required")
	}
	return nil
}

// CheckComplianceViewerKey refuses a narrow compliance write without
// tenant or viewer; RecordComplianceAttempt and RecordComplianceCheck call
// it before writing.
func CheckComplianceViewerKey(what, tenant, viewer string) error {
	if tenant == "" || viewer == "" {
		return fmt.Errorf("%s: tenant and viewer are required", what)
	}
	return nil
}

// CheckSwapComplianceStatus refuses a status swap without tenant, viewer,
// from or to; SwapComplianceStatus calls it before writing.
func CheckSwapComplianceStatus(tenant, viewer, from, to string) error {
	if tenant == "" || viewer == "" || from == "" || to == "" {
		return errors.New("swap compliance status: tenant, viewer, from and to are required")
	}
	return nil
}

// Check refuses a query without tenant; EachComplianceEvent calls it
// before reading.
func (q ComplianceEventQuery) Check() error {
	if q.Tenant == "" {
		return errors.New("compliance events: tenant is required")
	}
	return nil
}

// CheckInsert refuses a job without tenant, contract, action or status;
// InsertAnalyticsExport calls it before writing.
func (j AnalyticsExport) CheckInsert() error {
	if j.Tenant == "" || j.Contract == "" || j.Action == "" || j.Status == "" {
		return errors.New("insert analytics export: tenant, contract, action and status are required")
	}
	return nil
}

// CheckInsert refuses a job without tenant, CRM instance or status;
// InsertValidationExport calls it before writing.
func (j ValidationExport) CheckInsert() error {
	if j.Tenant == "" || j.CRMInstance == "" || j.Status == "" {
		return errors.New("insert validation export: tenant, crm instance and status are required")
	}
	return nil
}

// CheckLease refuses a lease without name or owner, or with a ttl that is
// not positive; the lease methods call it before writing.
func CheckLease(name, owner string, ttl time.Duration) error {
	if name == "" || owner == "" {
		return errors.New("acquire lease: name and owner are required")
	}
	if ttl <= 0 {
		return fmt.Errorf("acquire lease %s: ttl must be positive, not %s", name, ttl)
	}
	return nil
}

// CheckOneTime refuses a one-time value without kind, id or expiry; the
// one-time methods call it before writing.
func CheckOneTime(kind, id string, v OneTime) error {
	switch {
	case kind == "" || id == "":
		return errors.New("put one-time value: kind and id are required")
	case v.ExpiresAt.IsZero():
		return fmt.Errorf("put one-time %s: expiry is required", kind)
	}
	return nil
}

// CheckJTI refuses a token id without tenant, id or expiry; RememberJTI
// calls it before writing.
func CheckJTI(tenant, jti string, exp time.Time) error {
	if tenant == "" || jti == "" {
		return errors.New("remember jti: tenant and jti are required")
	}
	if exp.IsZero() {
		return errors.New("remember jti: expiry is required")
	}
	return nil
}

// CheckContextRecords refuses what CheckJTI refuses and records longer
// than MaxContextRecordsBytes; RememberContext calls it before writing.
func CheckContextRecords(tenant, jti string, exp time.Time, records []byte) error {
	if err := CheckJTI(tenant, jti, exp); err != nil {
		return err
	}
	if len(records) > MaxContextRecordsBytes {
		return fmt.Errorf("remember jti: %d bytes of records, at most %d are kept", len(records), MaxContextRecordsBytes)
	}
	return nil
}

// JTIExpiry is the second a context id stays remembered until: exp
// rounded up, so an id is never forgotten before its token expires.
func JTIExpiry(exp time.Time) int64 {
	expires := exp.Unix()
	if exp.After(time.Unix(expires, 0)) {
		expires++
	}
	return expires
}

// CheckReservation refuses a look-up reservation whose tenant or day
// CheckBudgetKey refuses, whose limit is negative or that names an empty
// record id; the reservation methods call it before any work.
func CheckReservation(tenant, day string, recordIDs []string, limit int) error {
	if err := CheckBudgetKey(tenant, day); err != nil {
		return err
	}
	if limit < 0 {
		return fmt.Errorf("limit %d is negative", limit)
	}
	for _, id := range recordIDs {
		if id == "" {
			return errors.New("empty record id")
		}
	}
	return nil
}
