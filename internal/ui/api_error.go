package ui

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/snapbridge/snapbridge/internal/wire"
)

// HTTP statuses the widget tells apart. They are spelled out here because
// importing net/http for its constants would link it into the WebAssembly
// binary (about 5 MB).
const (
	statusUnauthorized    = 401
	statusTooManyRequests = 429
	statusServerError     = 500
)

// Error codes of the widget API that change what the widget shows.
const (
	CodeNotConnected = "linkedin_not_connected"
	CodeThrottled    = "throttled"
	CodeUnavailable  = "linkedin_unavailable"
	CodeBudgetSpent  = "lookup_budget_exhausted"
)

// APIError is an error answer of the widget API.
type APIError struct {
	// Status is the HTTP status code.
	Status int
	// Detail is the decoded error body; Code is set from the status when
	// the body was not the documented JSON.
	Detail wire.ErrorDetail
}

func (e *APIError) Error() string {
	return fmt.Sprintf("api answered %d %s: %s", e.Status, e.Detail.Code, e.Detail.Message)
}

func decodeAPIError(res fetchResponse) error {
	var body wire.Error
	if err := json.Unmarshal(res.Body, &body); err != nil || body.Error.Code == "" {
		body.Error = wire.ErrorDetail{Code: codeForStatus(res.Status), Message: fmt.Sprintf("the server answered HTTP %d", res.Status)}
	}
	return &APIError{Status: res.Status, Detail: body.Error}
}

// codeForStatus names statuses whose body could not be read (a proxy's
// HTML error page), so the widget still tells "busy" from "down".
func codeForStatus(status int) string {
	switch {
	case status == statusTooManyRequests:
		return CodeThrottled
	case status == statusUnauthorized:
		return "unauthorized"
	case status >= statusServerError:
		return CodeUnavailable
	default:
		return "http_" + fmt.Sprint(status)
	}
}

// problem is what the widget shows about a failed call.
type problem int

const (
	problemNone problem = iota
	problemThrottled
	problemUnavailable
	problemExpired
	problemNotConnected
	problemBudgetSpent // the tenant's daily look-up budget, not LinkedIn
	problemOther
)

// classify maps an API call's error to what the seller should be told.
func classify(err error) (problem, *APIError) {
	if err == nil {
		return problemNone, nil
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		// A network failure looks the same to the seller as LinkedIn down.
		return problemUnavailable, nil
	}
	switch {
	case apiErr.Detail.Code == CodeNotConnected:
		return problemNotConnected, apiErr
	case apiErr.Status == statusUnauthorized:
		return problemExpired, apiErr
	case apiErr.Detail.Code == CodeBudgetSpent:
		return problemBudgetSpent, apiErr
	case apiErr.Status == statusTooManyRequests || apiErr.Detail.Code == CodeThrottled:
		return problemThrottled, apiErr
	case apiErr.Status >= statusServerError || apiErr.Detail.Code == CodeUnavailable:
		return problemUnavailable, apiErr
	default:
		return problemOther, apiErr
	}
}
