package restli

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestEncode(t *testing.T) {
	tests := []struct {
		scenario string
		in, want string
	}{
		{scenario: "plain value stays literal", in: "contact-12345", want: "contact-12345"},
		{scenario: "unreserved marks stay literal", in: "a-b.c_d~e", want: "a-b.c_d~e"},
		{scenario: "comma is encoded", in: "a,b", want: "a%2Cb"},
		{scenario: "parentheses are encoded", in: "(x)", want: "%28x%29"},
		{scenario: "colon is encoded", in: "urn:li:person:1", want: "urn%3Ali%3Aperson%3A1"},
		{scenario: "quote is encoded", in: "o'brien", want: "o%27brien"},
		{scenario: "space is %20, not plus", in: " ", want: "%20"},
		{scenario: "plus is encoded", in: "a+b", want: "a%2Bb"},
		{scenario: "percent is encoded", in: "100%", want: "100%25"},
		{scenario: "umlaut is UTF-8 encoded", in: "ü", want: "%C3%BC"},
		{scenario: "slash and query marks are encoded", in: "a/b?c#d&e=f", want: "a%2Fb%3Fc%23d%26e%3Df"},
		{scenario: "empty value", in: "", want: ""},
		{scenario: "dynamics org host", in: "contoso.crm.dynamics.com", want: "contoso.crm.dynamics.com"},
		{scenario: "letters and digits at the ends of their ranges stay literal", in: "azAZ09", want: "azAZ09"},
		{scenario: "neighbours of the letter and digit ranges are encoded", in: "`{@[/:", want: "%60%7B%40%5B%2F%3A"},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			if got := Encode(tt.in); got != tt.want {
				t.Fatalf("Encode(%q) = %q, want %q", tt.in, got, tt.want)
			}
			back, err := Decode(tt.want)
			if err != nil {
				t.Fatalf("Decode(%q): %v", tt.want, err)
			}
			if back != tt.in {
				t.Fatalf("Decode(%q) = %q, want %q", tt.want, back, tt.in)
			}
		})
	}
}

func TestDecode(t *testing.T) {
	tests := []struct {
		scenario string
		in, want string
		wantErr  bool
	}{
		{scenario: "lower-case hex is accepted", in: "a%2cb", want: "a,b"},
		{scenario: "plus stays a plus", in: "a+b", want: "a+b"},
		{scenario: "unicode written literally is kept", in: "Müller", want: "Müller"},
		{scenario: "escape at the very end", in: "x%41", want: "xA"},
		{scenario: "lone percent", in: "%", wantErr: true},
		{scenario: "percent with one digit at the end", in: "ab%4", wantErr: true},
		{scenario: "percent with non-hex digits", in: "%zz", wantErr: true},
		{scenario: "percent with one hex then non-hex", in: "%4g", wantErr: true},
		{scenario: "hex digits at the ends of their ranges", in: "%09%0a%0f%0A%0F%a0%f0%A0%F0", want: "\x09\x0a\x0f\x0a\x0f\xa0\xf0\xa0\xf0"},
		{scenario: "slash, just before 0, is not a hex digit", in: "%/0", wantErr: true},
		{scenario: "colon, just after 9, is not a hex digit", in: "%:0", wantErr: true},
		{scenario: "backquote, just before a, is not a hex digit", in: "%`0", wantErr: true},
		{scenario: "g is not a hex digit", in: "%0g", wantErr: true},
		{scenario: "at sign, just before A, is not a hex digit", in: "%@0", wantErr: true},
		{scenario: "G is not a hex digit", in: "%0G", wantErr: true},
		{scenario: "a sign is not a hex digit", in: "%+1", wantErr: true},
		{scenario: "an underscore is not a hex digit", in: "%1_", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			got, err := Decode(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrSyntax) {
					t.Fatalf("Decode(%q) = %q, %v; want ErrSyntax", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Decode(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestRecordString(t *testing.T) {
	tests := []struct {
		scenario string
		rec      Record
		want     string
	}{
		{
			scenario: "fields are written in name order",
			rec:      Record{{"recordId", "42"}, {"partner", "MS"}, {"instanceId", "contoso.crm.dynamics.com"}},
			want:     "(instanceId:contoso.crm.dynamics.com,partner:MS,recordId:42)",
		},
		{
			scenario: "structural characters inside values are encoded",
			rec:      Record{{"instanceId", "a,b"}, {"partner", "(x)"}, {"recordId", "k:v'"}},
			want:     "(instanceId:a%2Cb,partner:%28x%29,recordId:k%3Av%27)",
		},
		{
			scenario: "spaces, percent and unicode are encoded",
			rec:      Record{{"recordId", "Jürgen 100%"}},
			want:     "(recordId:J%C3%BCrgen%20100%25)",
		},
		{scenario: "empty value", rec: Record{{"recordId", ""}}, want: "(recordId:)"},
		{scenario: "empty record", rec: Record{}, want: "()"},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			before := slices.Clone(tt.rec)
			if got := tt.rec.String(); got != tt.want {
				t.Fatalf("String() = %q, want %q", got, tt.want)
			}
			if !slices.Equal(before, tt.rec) {
				t.Fatalf("String() reordered the caller's record: %v", tt.rec)
			}
			back, err := ParseRecord(tt.want)
			if err != nil {
				t.Fatalf("ParseRecord(%q): %v", tt.want, err)
			}
			if !sameFields(back, tt.rec) {
				t.Fatalf("ParseRecord(%q) = %v, want %v", tt.want, back, tt.rec)
			}
		})
	}
}

func TestList(t *testing.T) {
	tests := []struct {
		scenario string
		recs     []Record
		want     string
	}{
		{scenario: "no records", want: "List()"},
		{
			scenario: "one record",
			recs:     []Record{{{"recordId", "1"}}},
			want:     "List((recordId:1))",
		},
		{
			scenario: "two records with encoded values",
			recs: []Record{
				{{"partner", "MS"}, {"recordId", "a,b"}},
				{{"recordId", "(2)"}, {"partner", "MS"}},
			},
			want: "List((partner:MS,recordId:a%2Cb),(partner:MS,recordId:%282%29))",
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			got := List(tt.recs...)
			if got != tt.want {
				t.Fatalf("List() = %q, want %q", got, tt.want)
			}
			back, err := ParseList(got)
			if err != nil {
				t.Fatalf("ParseList(%q): %v", got, err)
			}
			if len(back) != len(tt.recs) {
				t.Fatalf("ParseList(%q) gave %d records, want %d", got, len(back), len(tt.recs))
			}
			for i := range back {
				if !sameFields(back[i], tt.recs[i]) {
					t.Fatalf("record %d = %v, want %v", i, back[i], tt.recs[i])
				}
			}
		})
	}
}

func TestParseRecordMalformed(t *testing.T) {
	tests := []struct {
		scenario string
		in       string
	}{
		{scenario: "empty input", in: ""},
		{scenario: "no parentheses", in: "recordId:1"},
		{scenario: "unbalanced open", in: "(recordId:1"},
		{scenario: "unbalanced close", in: "recordId:1)"},
		{scenario: "nested record", in: "((recordId:1))"},
		{scenario: "parenthesis inside a value", in: "(recordId:a(b)"},
		{scenario: "field without colon", in: "(recordId)"},
		{scenario: "value with a second colon", in: "(recordId:a:b)"},
		{scenario: "empty field name", in: "(:1)"},
		{scenario: "duplicate names", in: "(recordId:1,recordId:2)"},
		{scenario: "duplicate names once encoded", in: "(recordId:1,record%49d:2)"},
		{scenario: "trailing comma", in: "(recordId:1,)"},
		{scenario: "leading comma", in: "(,recordId:1)"},
		{scenario: "bad percent escape in value", in: "(recordId:%zz)"},
		{scenario: "truncated percent escape in value", in: "(recordId:%4)"},
		{scenario: "bad percent escape in name", in: "(record%Id:1)"},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			rec, err := ParseRecord(tt.in)
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("ParseRecord(%q) = %v, %v; want ErrSyntax", tt.in, rec, err)
			}
		})
	}
}

func TestParseListMalformed(t *testing.T) {
	tests := []struct {
		scenario string
		in       string
	}{
		{scenario: "empty input", in: ""},
		{scenario: "not a list", in: "(recordId:1)"},
		{scenario: "lower-case list", in: "list((recordId:1))"},
		{scenario: "unbalanced: record not closed", in: "List((recordId:1)"},
		{scenario: "unbalanced: list not closed", in: "List((recordId:1),(recordId:2)"},
		{scenario: "unbalanced: extra close", in: "List((recordId:1)))"},
		{scenario: "trailing comma", in: "List((recordId:1),)"},
		{scenario: "leading comma", in: "List(,(recordId:1))"},
		{scenario: "missing separator", in: "List((recordId:1)(recordId:2))"},
		{scenario: "bare value as item", in: "List(recordId:1)"},
		{scenario: "bad record inside", in: "List((recordId:1),(recordId:%G1))"},
		{scenario: "duplicate names inside", in: "List((a:1,a:2))"},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			recs, err := ParseList(tt.in)
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("ParseList(%q) = %v, %v; want ErrSyntax", tt.in, recs, err)
			}
		})
	}
}

func TestRecordGet(t *testing.T) {
	rec := Record{{"partner", "MS"}, {"recordId", ""}}
	tests := []struct {
		scenario string
		name     string
		want     string
		wantOK   bool
	}{
		{scenario: "present field", name: "partner", want: "MS", wantOK: true},
		{scenario: "present empty field", name: "recordId", want: "", wantOK: true},
		{scenario: "absent field", name: "instanceId", want: "", wantOK: false},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			got, ok := rec.Get(tt.name)
			if got != tt.want || ok != tt.wantOK {
				t.Fatalf("Get(%q) = %q, %v; want %q, %v", tt.name, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

// sameFields compares records regardless of field order.
func sameFields(a, b Record) bool {
	if len(a) != len(b) {
		return false
	}
	for _, f := range b {
		if v, ok := a.Get(f.Name); !ok || v != f.Value {
			return false
		}
	}
	return true
}

func FuzzRoundTrip(f *testing.F) {
	seeds := [][3]string{
		{"contoso.crm.dynamics.com", "MS", "42"},
		{"a,b", "(x)", "k:v'"},
		{" ", "%", "ü"},
		{"", "", ""},
		{"%25", "+", "List((a:1))"},
		{"\x00\xff", "日本", "a%2Cb"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, a, b, c string) {
		for _, s := range []string{a, b, c} {
			enc := Encode(s)
			if strings.ContainsAny(enc, "(),:' ") {
				t.Fatalf("Encode(%q) = %q leaves a structural character", s, enc)
			}
			dec, err := Decode(enc)
			if err != nil || dec != s {
				t.Fatalf("Decode(Encode(%q)) = %q, %v", s, dec, err)
			}
		}
		rec := Record{{"recordId", c}, {"partner", b}, {"instanceId", a}}
		back, err := ParseRecord(rec.String())
		if err != nil {
			t.Fatalf("ParseRecord(%q): %v", rec.String(), err)
		}
		if !sameFields(back, rec) {
			t.Fatalf("ParseRecord(%q) = %v, want %v", rec.String(), back, rec)
		}
		// Names come from the fuzzer too; a record needs them unique and
		// non-empty.
		if a != "" && b != "" && a != b {
			named := Record{{a, c}, {b, c}}
			back, err := ParseRecord(named.String())
			if err != nil || !sameFields(back, named) {
				t.Fatalf("ParseRecord(%q) = %v, %v; want %v", named.String(), back, err, named)
			}
		}
		list := List(rec, Record{{"recordId", a}})
		recs, err := ParseList(list)
		if err != nil || len(recs) != 2 || !sameFields(recs[0], rec) {
			t.Fatalf("ParseList(%q) = %v, %v", list, recs, err)
		}
	})
}

// LinkedIn and proxies may write escapes in lower case; %2c, %3a, %28 …
// must mean what %2C, %3A, %28 mean, in values, names and lists alike.
func TestLowercaseEscapesDecodeLikeUppercase(t *testing.T) {
	const lowerhex = "0123456789abcdef"
	for c := 0; c < 256; c++ {
		lower := "%" + string(lowerhex[c>>4]) + string(lowerhex[c&15])
		upper := "%" + string(upperhex[c>>4]) + string(upperhex[c&15])
		got, err := Decode("a" + lower + "b")
		if err != nil || got != "a"+string([]byte{byte(c)})+"b" {
			t.Fatalf("Decode(%q) = %q, %v; want byte %#x between a and b", "a"+lower+"b", got, err, c)
		}
		if up, _ := Decode("a" + upper + "b"); up != got {
			t.Fatalf("Decode(%q) = %q but Decode(%q) = %q", lower, got, upper, up)
		}
	}
	tests := []struct {
		scenario     string
		lower, upper string
	}{
		{
			scenario: "a CRM instance URN as a value",
			lower:    "(crmInstanceId:urn%3ali%3acrminstance%3a%28dynamics%2ccontoso.crm.dynamics.com%29)",
			upper:    "(crmInstanceId:urn%3Ali%3Acrminstance%3A%28dynamics%2Ccontoso.crm.dynamics.com%29)",
		},
		{
			scenario: "quote, percent, slash and UTF-8 in a record id",
			lower:    "(instanceId:x,partner:MS,recordId:o%27brien%25%2f%c3%a9)",
			upper:    "(instanceId:x,partner:MS,recordId:o%27brien%25%2F%C3%A9)",
		},
		{
			scenario: "an escaped field name",
			lower:    "(a%2cb:1)",
			upper:    "(a%2Cb:1)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			lo, err := ParseRecord(tt.lower)
			if err != nil {
				t.Fatalf("ParseRecord(%q): %v", tt.lower, err)
			}
			up, err := ParseRecord(tt.upper)
			if err != nil || !sameFields(lo, up) || lo.String() != up.String() {
				t.Fatalf("ParseRecord(%q) = %v but ParseRecord(%q) = %v, %v", tt.lower, lo, tt.upper, up, err)
			}
			los, err := ParseList("List(" + tt.lower + "," + tt.lower + ")")
			if err != nil || len(los) != 2 || !sameFields(los[1], up) {
				t.Fatalf("ParseList of %q = %v, %v; want twice %v", tt.lower, los, err, up)
			}
		})
	}
}

// FuzzParseKey parses arbitrary keys: whatever ParseRecord or ParseList
// accepts serializes back to a key that parses to the same fields, and
// that serialization is canonical (serializing again changes nothing).
func FuzzParseKey(f *testing.F) {
	for _, seed := range []string{
		"(instanceId:contoso.crm.dynamics.com,partner:MS,recordId:42)",
		"(recordId:a%2cb%3A%28c%29,partner:MS)",
		"List((instanceId:x,partner:MS,recordId:1),(instanceId:x,partner:MS,recordId:2))",
		"()", "List()", "(a:)", "(a b:c d)", "(%C3%A9:%e9)", "(a:b,a:c)", "List((a:1),)",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, key string) {
		if rec, err := ParseRecord(key); err == nil {
			enc := rec.String()
			back, err := ParseRecord(enc)
			if err != nil || !sameFields(back, rec) {
				t.Fatalf("ParseRecord(%q) = %v; its String %q parses to %v, %v", key, rec, enc, back, err)
			}
			if again := back.String(); again != enc {
				t.Fatalf("String is not canonical: %q, then %q", enc, again)
			}
		}
		if recs, err := ParseList(key); err == nil {
			enc := List(recs...)
			back, err := ParseList(enc)
			if err != nil || len(back) != len(recs) {
				t.Fatalf("ParseList(%q) = %v; its List %q parses to %v, %v", key, recs, enc, back, err)
			}
			for i := range recs {
				if !sameFields(back[i], recs[i]) {
					t.Fatalf("ParseList(%q)[%d] = %v, after a round trip %v", key, i, recs[i], back[i])
				}
			}
			if again := List(back...); again != enc {
				t.Fatalf("List is not canonical: %q, then %q", enc, again)
			}
		}
	})
}
