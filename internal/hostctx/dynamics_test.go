package hostctx

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/snapbridge/snapbridge/internal/session"
)

// The record parameters a Dynamics form passes are read as Dynamics
// writes them (braces, upper case, typename or only the type code) and
// refused, naming what to fix, when they cannot name a record the widget
// handles.
func TestDynamicsRecordParametersAreReadAsDynamicsPassesThem(t *testing.T) {
	const guid = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
	for _, tc := range []struct {
		scenario, query string
		id, kind        string
		code            string // "" means accepted
	}{
		{"braces and upper case, as the IFRAME control passes it", "id=%7B3F2504E0-4F89-41D3-9A0C-0305E82C3301%7D&orgname=contoso&type=2&typename=contact&userlcid=1033", guid, "contact", ""},
		{"a bare GUID", "id=" + guid + "&typename=Lead", guid, "lead", ""},
		{"only the object-type code", "id=" + guid + "&type=1", guid, "account", ""},
		{"typename wins over type", "id=" + guid + "&type=1&typename=contact", guid, "contact", ""},
		{"an opportunity", "id=" + guid + "&typename=opportunity&type=3", "", "", session.CodeContextInvalid},
		{"an unknown type code", "id=" + guid + "&type=3", "", "", session.CodeContextInvalid},
		{"no id", "typename=contact", "", "", session.CodeContextInvalid},
		{"an id that is not a GUID", "id=42&typename=contact", "", "", session.CodeContextInvalid},
		{"a GUID with a tail", "id=" + guid + "x&typename=contact", "", "", session.CodeContextInvalid},
		{"two ids", "id=" + guid + "&id=" + guid + "&typename=contact", "", "", session.CodeContextInvalid},
		{"a malformed query", "id=%zz&typename=contact", "", "", session.CodeContextInvalid},
		{"a query over 2 KiB", "id=" + guid + "&typename=contact&orgname=" + strings.Repeat("o", MaxDynamicsQueryBytes), "", "", session.CodeContextTooLarge},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			id, kind, err := RecordClaims(httptest.NewRequest("GET", "/w/acme/dynamics?"+tc.query, nil))
			var se *session.Error
			switch {
			case tc.code == "" && (err != nil || id != tc.id || kind != tc.kind):
				t.Fatalf("got %q %q %v, want %q %q", id, kind, err, tc.id, tc.kind)
			case tc.code != "" && (!errors.As(err, &se) || se.Code != tc.code):
				t.Fatalf("got %q %q %v, want %s", id, kind, err, tc.code)
			}
		})
	}
}
