package exports

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
)

// MaxRange is the longest period LinkedIn exports in one analytics job.
const MaxRange = 90 * 24 * time.Hour

// parseInstant reads a time given either as RFC 3339 text or as epoch
// milliseconds (a JSON number or a string of digits). field names the
// request field in the error.
func parseInstant(field string, raw json.RawMessage) (time.Time, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}, &FieldError{Field: field, Message: "is required (RFC 3339 text or epoch milliseconds)"}
	}
	var text string
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &text); err != nil {
			return time.Time{}, &FieldError{Field: field, Message: "is not a valid JSON string"}
		}
	} else {
		text = string(raw)
	}
	if ms, err := strconv.ParseInt(text, 10, 64); err == nil {
		if ms <= 0 {
			return time.Time{}, &FieldError{Field: field, Message: "must be a positive number of epoch milliseconds"}
		}
		return time.UnixMilli(ms).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, text)
	if err != nil {
		return time.Time{}, &FieldError{Field: field, Message: "is neither RFC 3339 (2026-01-31T00:00:00Z) nor epoch milliseconds"}
	}
	return t.UTC(), nil
}
