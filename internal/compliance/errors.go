package compliance

import (
	"errors"
	"fmt"

	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/tokens"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// FieldError says which parameter of a compliance request is wrong and
// why. It is wire.FieldError, so the API maps every request field error the same way.
type FieldError = wire.FieldError

// ErrNotOptedIn means the viewer has no compliance archive to act on.
var ErrNotOptedIn = errors.New("the viewer has not opted in to compliance archiving")

// errStuck means a full page of events shared the cursor's processedAt,
// so paging by processedAt cannot move on.
var errStuck = errors.New("LinkedIn's paging cannot pass events sharing one processedAt")

// refusedScope turns LinkedIn's 403 to a member call into the scope error
// the connect flow can fix.
func refusedScope(err error) error {
	if e, ok := linkedin.AsError(err); ok && e.Status == 403 {
		return fmt.Errorf("%w (%w)", &tokens.ScopeError{Scope: linkedin.ScopeCompliance}, err)
	}
	return err
}

// words is a short, token-free account of a failure for the run history.
func words(err error) string {
	switch e, ok := linkedin.AsError(err); {
	case errors.Is(err, tokens.ErrNotConnected):
		return "the viewer's LinkedIn connection is gone; they must reconnect"
	case errors.Is(err, tokens.ErrScopeMissing):
		return "the viewer's LinkedIn connection lacks compliance access; they must reconnect"
	case errors.Is(err, errStuck):
		return err.Error()
	case !ok:
		return "internal error"
	case e.Status == 0:
		return "LinkedIn unreachable"
	case e.Status == 429:
		return "LinkedIn throttled the request"
	case e.Message != "":
		return fmt.Sprintf("LinkedIn %d: %s", e.Status, e.Message)
	default:
		return fmt.Sprintf("LinkedIn answered %d", e.Status)
	}
}
