package linkedin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/snapbridge/snapbridge/internal/restli"
)

// record is k as a Rest.li complex key.
func (k AssociationKey) record() restli.Record {
	return restli.Record{
		{Name: "instanceId", Value: k.InstanceID},
		{Name: "partner", Value: k.Partner},
		{Name: "recordId", Value: k.RecordID},
	}
}

// String is k as LinkedIn writes it: (instanceId:…,partner:…,recordId:…),
// values Rest.li-encoded.
func (k AssociationKey) String() string { return k.record().String() }

// validate refuses a key LinkedIn would answer with 400 missing parameter,
// before spending a call on it.
func (k AssociationKey) validate() error {
	switch {
	case k.Partner == "":
		return errors.New("association key: partner is empty")
	case k.InstanceID == "":
		return errors.New("association key: instanceId is empty")
	case k.RecordID == "":
		return errors.New("association key: recordId is empty")
	}
	return nil
}

// keyOf reads an AssociationKey back from a Rest.li key LinkedIn sent.
// Keys that are not records are also tried once percent-decoded, since
// some answers carry the whole key encoded.
func keyOf(raw string) (AssociationKey, bool) {
	rec, err := restli.ParseRecord(raw)
	if err != nil {
		un, uerr := url.PathUnescape(raw)
		if uerr != nil || un == raw {
			return AssociationKey{}, false
		}
		if rec, err = restli.ParseRecord(un); err != nil {
			return AssociationKey{}, false
		}
	}
	var k AssociationKey
	k.Partner, _ = rec.Get("partner")
	k.InstanceID, _ = rec.Get("instanceId")
	k.RecordID, _ = rec.Get("recordId")
	return k, true
}

// ProfileAssociation asks LinkedIn which member matches one CRM record,
// with an application token (scope r_sales_nav_profiles). No match is a
// 404 *Error (IsNotFound); CRM Sync not enabled is IsCRMSyncDisabled.
// Retried on 5xx and timeouts; never on 429.
func (c *Client) ProfileAssociation(ctx context.Context, appToken string, key AssociationKey) (ProfileAssociation, error) {
	if err := key.validate(); err != nil {
		return ProfileAssociation{}, fmt.Errorf("profile association: %w", err)
	}
	// The key goes into the path already encoded; url.Parse keeps it as
	// RawPath, so Go sends the Rest.li text unchanged.
	u := c.cfg.APIBase + "/salesNavigatorProfileAssociations/" + key.String()
	var pa ProfileAssociation
	status, err := c.getJSON(ctx, u, appToken, &pa)
	if err != nil {
		return ProfileAssociation{}, fmt.Errorf("profile association: %w", err)
	}
	if pa.Member == "" && pa.Profile == "" {
		return ProfileAssociation{}, fmt.Errorf("profile association: %w", malformed(status, "neither member nor profile"))
	}
	return pa, nil
}

// batchAnswer is LinkedIn's answer to a BATCH_GET.
type batchAnswer struct {
	Results  map[string]ProfileAssociation `json:"results"`
	Statuses map[string]int                `json:"statuses"`
	Errors   map[string]json.RawMessage    `json:"errors"`
}

// ProfileAssociations asks LinkedIn about several CRM records in one call.
// Every distinct key asked about is in exactly one of the answer's Results
// or Errors: a 404 error is no match, a key LinkedIn left out is a 500
// error "missing from batch answer". A failure of the whole call (429,
// 401, CRM Sync disabled, …) is returned as the error instead. Retried on
// 5xx and timeouts; never on 429.
func (c *Client) ProfileAssociations(ctx context.Context, appToken string, keys []AssociationKey) (BatchAssociations, error) {
	if len(keys) == 0 {
		return BatchAssociations{}, errors.New("profile associations: no keys")
	}
	want := make(map[AssociationKey]bool, len(keys))
	recs := make([]restli.Record, 0, len(keys))
	for _, k := range keys {
		if err := k.validate(); err != nil {
			return BatchAssociations{}, fmt.Errorf("profile associations: %w", err)
		}
		if !want[k] {
			want[k] = true
			recs = append(recs, k.record())
		}
	}
	// Written by hand: url.Values would escape the structural ( : , ).
	u := c.cfg.APIBase + "/salesNavigatorProfileAssociations?ids=" + restli.List(recs...)
	var ans batchAnswer
	status, err := c.getJSON(ctx, u, appToken, &ans)
	if err != nil {
		return BatchAssociations{}, fmt.Errorf("profile associations: %w", err)
	}
	return decodeBatch(ans, want, status), nil
}

// decodeBatch matches LinkedIn's answer, keyed by serialized keys whose
// field order and encoding may differ from ours, back to the keys asked.
func decodeBatch(ans batchAnswer, want map[AssociationKey]bool, status int) BatchAssociations {
	out := BatchAssociations{
		Results: make(map[AssociationKey]ProfileAssociation),
		Errors:  make(map[AssociationKey]*Error),
	}
	statuses := make(map[AssociationKey]int, len(ans.Statuses))
	for raw, st := range ans.Statuses {
		if k, ok := keyOf(raw); ok && want[k] {
			statuses[k] = st
		}
	}
	for raw, pa := range ans.Results {
		k, ok := keyOf(raw)
		if !ok || !want[k] {
			continue
		}
		if pa.Member == "" && pa.Profile == "" {
			out.Errors[k] = malformed(status, "neither member nor profile")
			continue
		}
		out.Results[k] = pa
	}
	for raw, msg := range ans.Errors {
		k, ok := keyOf(raw)
		if !ok || !want[k] {
			continue
		}
		if _, done := out.Results[k]; !done {
			out.Errors[k] = batchError(msg, statuses[k])
		}
	}
	for k := range want {
		_, matched := out.Results[k]
		_, failed := out.Errors[k]
		switch st := statuses[k]; {
		case matched || failed:
		case st >= 300 || (st > 0 && st < 200):
			out.Errors[k] = &Error{Status: st, Message: http.StatusText(st)}
		default:
			out.Errors[k] = &Error{Status: http.StatusInternalServerError, Message: "missing from batch answer"}
		}
	}
	return out
}

// batchError reads one value of the errors map, which LinkedIn documents
// as a string but which may be the usual error object.
func batchError(raw json.RawMessage, status int) *Error {
	if status == 0 {
		status = http.StatusInternalServerError
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		if s == "" {
			s = http.StatusText(status)
		}
		return &Error{Status: status, Message: s}
	}
	var eb errorBody
	if err := json.Unmarshal(raw, &eb); err != nil {
		return &Error{Status: status, Message: "unreadable error in batch answer", Err: ErrMalformed}
	}
	e := &Error{Status: eb.Status, ServiceErrorCode: eb.ServiceErrorCode, Message: eb.Message}
	if e.Status == 0 {
		e.Status = status
	}
	if e.Message == "" {
		e.Message = http.StatusText(e.Status)
	}
	return e
}
