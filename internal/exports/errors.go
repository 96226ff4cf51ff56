package exports

import (
	"errors"
	"fmt"

	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/tokens"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// FieldError says which field of an export request is wrong and why. It
// is wire.FieldError, so the API maps every request field error the same way.
type FieldError = wire.FieldError

// ErrContractForbidden means the viewer has no seat with reporting access
// on the contract asked for, so LinkedIn would refuse the export.
var ErrContractForbidden = errors.New("the viewer may not export this contract")

// ErrNotFound means no such export job for this tenant.
var ErrNotFound = errors.New("no such export job")

// ErrViewerRequired means an analytics export was asked for without a
// viewer: they run with a member's LinkedIn authorization, so only a
// console session (not an API key) can start one.
var ErrViewerRequired = errors.New("analytics exports run with a viewer's LinkedIn authorization; open the console from the CRM")

// ErrNotReady means the job has no download yet (not completed, or failed).
var ErrNotReady = errors.New("the export has no download yet")

// refusedScope turns LinkedIn's 403 to a member call into the scope error
// the connect flow can fix; LinkedIn answers 403 when the token lacks it.
func refusedScope(err error, scope string) error {
	if e, ok := linkedin.AsError(err); ok && e.Status == 403 {
		return fmt.Errorf("%w (%w)", &tokens.ScopeError{Scope: scope}, err)
	}
	return err
}

// permanent reports a LinkedIn refusal that retrying will not change: a
// 4xx other than 401 (token) and 429 (throttled).
func permanent(err error) bool {
	e, ok := linkedin.AsError(err)
	return ok && e.Status >= 400 && e.Status < 500 && e.Status != 401 && e.Status != 429
}
