package assoc

import (
	"context"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/telemetry"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// outcome is what LinkedIn said about one record.
type outcome struct {
	status string
	match  linkedin.ProfileAssociation
	err    error // the failure behind a throttled or unavailable status
}

// call asks LinkedIn about ids (one GET for one record, one batch call
// otherwise), caches what it learns and completes the records' flights.
// It runs in its own goroutine, at most MaxConcurrentCalls per tenant, and
// ends by the records' deadline (Config.LookupTimeout), however long
// LinkedIn takes and however many retries the client would make.
func (r *Resolver) call(t *tenant.Tenant, ts *tenantState, ids []string, from []trace.SpanContext) {
	deadline := r.deadline(t.ID, ids)
	ctx, span := r.cfg.Tracing.Continue(context.Background(), "assoc.lookup", from,
		telemetry.AttrTenant.String(t.ID), telemetry.AttrRecords.Int(len(ids)))
	defer span.End()
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()

	late := outcome{status: wire.StatusUnavailable,
		err: fmt.Errorf("no free upstream slot before the look-up deadline: %w", context.DeadlineExceeded)}
	var outcomes map[string]outcome
	select {
	case ts.slots <- struct{}{}:
		defer func() { <-ts.slots }()
		switch {
		case !time.Now().Before(deadline):
			// The slot came free only because its holder ran out of time.
			outcomes = uniform(ids, late)
		case r.isBackingOff(ctx, t.ID, ts):
			// A sibling batch was throttled while this one queued.
			outcomes = uniform(ids, outcome{status: wire.StatusThrottled})
		default:
			outcomes = r.ask(ctx, t, ids)
		}
	case <-ctx.Done():
		outcomes = uniform(ids, late)
	}

	// Back-off starts before any waiter learns of the 429, so its next
	// request already finds the tenant backing off.
	now := r.now()
	failed := 0
	var failure outcome
	for _, id := range ids {
		if o := outcomes[id]; o.err != nil {
			if failed == 0 || o.status == wire.StatusThrottled {
				failure = o
			}
			failed++
		}
	}
	if failure.status == wire.StatusThrottled {
		r.tripBackoff(t.ID, ts, now, r.backoffFor(failure.err))
	}
	if failed > 0 {
		r.cfg.Logger.WarnContext(ctx, "profile association lookup failed",
			"tenant", t.ID, "records", len(ids), "failed", failed, "status", failure.status, "error", failure.err)
	}
	// A throttled record says until when the tenant leaves LinkedIn alone.
	var until *time.Time
	if u, ok := ts.backoff.activeUntil(now); ok {
		until = &u
	}
	for _, id := range ids {
		a := r.settle(t, id, outcomes[id], now)
		if a.Status == wire.StatusThrottled {
			a.Reason, a.RetryAt = wire.ReasonLinkedInBusy, until
		}
		r.finish(t.ID, id, a, nil)
	}
}

// uniform gives every record the same outcome.
func uniform(ids []string, o outcome) map[string]outcome {
	out := make(map[string]outcome, len(ids))
	for _, id := range ids {
		out[id] = o
	}
	return out
}

// ask makes the upstream call, renewing the app token once on a 401.
func (r *Resolver) ask(ctx context.Context, t *tenant.Tenant, ids []string) map[string]outcome {
	keys := make([]linkedin.AssociationKey, len(ids))
	for i, id := range ids {
		keys[i] = linkedin.AssociationKey{Partner: t.CRM.Partner, InstanceID: t.CRM.InstanceID, RecordID: id}
	}
	out := make(map[string]outcome, len(ids))
	err := r.withAppToken(ctx, t, func(token string) error {
		if len(ids) == 1 {
			match, err := r.li.ProfileAssociation(ctx, token, keys[0])
			if err != nil {
				return err
			}
			out[ids[0]] = outcome{status: wire.StatusMatched, match: match}
			return nil
		}
		batch, err := r.li.ProfileAssociations(ctx, token, keys)
		if err != nil {
			return err
		}
		for i, id := range ids {
			if match, ok := batch.Results[keys[i]]; ok {
				out[id] = outcome{status: wire.StatusMatched, match: match}
			} else if e := batch.Errors[keys[i]]; e != nil {
				out[id] = classify(e)
			} else {
				out[id] = outcome{status: wire.StatusUnavailable,
					err: fmt.Errorf("batch answer has no entry for record %s", id)}
			}
		}
		return nil
	})
	if err != nil {
		o := classify(err)
		for _, id := range ids {
			out[id] = o
		}
	}
	return out
}

// withAppToken runs fn with the tenant's app token and, when LinkedIn
// refuses the token (401), once more with a fresh one.
func (r *Resolver) withAppToken(ctx context.Context, t *tenant.Tenant, fn func(token string) error) error {
	token, err := r.apps.Get(ctx, t, linkedin.ScopeProfiles)
	if err != nil {
		return fmt.Errorf("get app token: %w", err)
	}
	err = fn(token)
	if !linkedin.IsUnauthorized(err) {
		return err
	}
	r.apps.Invalidate(t.ID, linkedin.ScopeProfiles)
	if token, err = r.apps.Get(ctx, t, linkedin.ScopeProfiles); err != nil {
		return fmt.Errorf("renew app token after 401: %w", err)
	}
	return fn(token)
}

// classify turns a LinkedIn failure into the record's status. A 404 is
// LinkedIn's normal "match unavailable" answer.
func classify(err error) outcome {
	switch {
	case linkedin.IsNotFound(err):
		return outcome{status: wire.StatusNoMatch}
	case linkedin.IsCRMSyncDisabled(err):
		return outcome{status: wire.StatusCRMSyncDisabled}
	case linkedin.IsThrottled(err):
		return outcome{status: wire.StatusThrottled, err: err}
	default: // 5xx, 403, a 401 twice, transport failures, unexpected 400s
		return outcome{status: wire.StatusUnavailable, err: err}
	}
}

// settle caches a real answer for its tenant's lifetime and returns what
// the waiting requests see. Throttled and unavailable are not cached: each
// request falls back to a kept answer on its own.
func (r *Resolver) settle(t *tenant.Tenant, id string, o outcome, now time.Time) wire.Association {
	a := wire.Association{RecordID: id, Status: o.status}
	ttl := matchedTTL(t)
	switch o.status {
	case wire.StatusMatched:
		a.Member, a.Profile, a.ProfilePhoto = o.match.Member, o.match.Profile, o.match.ProfilePhoto
	case wire.StatusNoMatch, wire.StatusCRMSyncDisabled:
		ttl = noMatchTTL(t)
	default:
		return a
	}
	e := r.cache.put(cacheKey{t.ID, id}, a, now, ttl)
	r.toShared(e, now)
	a.ExpiresAt = &e.expiresAt
	return a
}

// matchedTTL and noMatchTTL are the tenant's cache lifetimes; zero (not
// set) means the default, and Validate refuses negative ones.
func matchedTTL(t *tenant.Tenant) time.Duration {
	if t.Cache.Matched == 0 {
		return tenant.DefaultMatchedTTL
	}
	return t.Cache.Matched
}

func noMatchTTL(t *tenant.Tenant) time.Duration {
	if t.Cache.NoMatch == 0 {
		return tenant.DefaultNoMatchTTL
	}
	return t.Cache.NoMatch
}
