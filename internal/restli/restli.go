// Package restli encodes and decodes Rest.li 2.0 keys: records such as
// (instanceId:abc,partner:MS,recordId:42) and lists such as List((…),(…)).
//
// Rest.li 2.0 keeps the structural characters ( : , ) literal and
// percent-encodes, inside values, those same characters, the quote ' and
// everything that is not safe in a URL. The result can be placed in a URL
// path or query as is, without further escaping.
package restli

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Field is one name:value pair of a record key.
type Field struct {
	Name  string
	Value string
}

// Record is a Rest.li complex key. Its fields are serialized in name order,
// the order Rest.li itself uses, so equal keys serialize identically.
type Record []Field

// Get returns the value of the named field.
func (r Record) Get(name string) (string, bool) {
	for _, f := range r {
		if f.Name == name {
			return f.Value, true
		}
	}
	return "", false
}

// String serializes the record as (a:1,b:2) with encoded names and values.
func (r Record) String() string {
	fields := append(Record(nil), r...)
	slices.SortStableFunc(fields, func(a, b Field) int { return strings.Compare(a.Name, b.Name) })
	var b strings.Builder
	b.WriteByte('(')
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(Encode(f.Name))
		b.WriteByte(':')
		b.WriteString(Encode(f.Value))
	}
	b.WriteByte(')')
	return b.String()
}

// List serializes records as List((…),(…)).
func List(records ...Record) string {
	var b strings.Builder
	b.WriteString("List(")
	for i, r := range records {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(r.String())
	}
	b.WriteByte(')')
	return b.String()
}

const upperhex = "0123456789ABCDEF"

// Encode percent-encodes a value for use inside a Rest.li 2.0 key: only
// RFC 3986 unreserved characters stay literal, so , ( ) ' : and % are
// always encoded, and so is every non-ASCII byte (as UTF-8).
func Encode(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b = append(b, c)
			continue
		}
		b = append(b, '%', upperhex[c>>4], upperhex[c&15])
	}
	return string(b)
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// Errors returned by the decoders.
var (
	ErrSyntax = errors.New("restli: malformed key")
)

// Decode percent-decodes a value. A '%' not followed by two hex digits is
// an error; '+' is kept as a plus sign (Rest.li does not use form encoding).
func Decode(s string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b = append(b, s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", fmt.Errorf("%w: bad escape at %d", ErrSyntax, i)
		}
		// Base 16 without base prefix, sign or underscores: exactly two hex digits.
		c, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil {
			return "", fmt.Errorf("%w: bad escape at %d", ErrSyntax, i)
		}
		b = append(b, byte(c))
		i += 2
	}
	return string(b), nil
}

// ParseRecord decodes one (name:value,…) key. Names must be unique.
func ParseRecord(s string) (Record, error) {
	if len(s) < 2 || s[0] != '(' || s[len(s)-1] != ')' {
		return nil, fmt.Errorf("%w: a record is written (name:value,…)", ErrSyntax)
	}
	body := s[1 : len(s)-1]
	if body == "" {
		return Record{}, nil
	}
	var rec Record
	for _, part := range strings.Split(body, ",") {
		name, value, ok := strings.Cut(part, ":")
		if !ok || strings.ContainsAny(value, ":()") || strings.ContainsAny(name, "()") {
			return nil, fmt.Errorf("%w: %q is not name:value", ErrSyntax, part)
		}
		n, err := Decode(name)
		if err != nil {
			return nil, err
		}
		if n == "" {
			return nil, fmt.Errorf("%w: empty field name", ErrSyntax)
		}
		if _, dup := rec.Get(n); dup {
			return nil, fmt.Errorf("%w: field %q given twice", ErrSyntax, n)
		}
		v, err := Decode(value)
		if err != nil {
			return nil, err
		}
		rec = append(rec, Field{Name: n, Value: v})
	}
	return rec, nil
}

// ParseList decodes List((…),(…)) into its records.
func ParseList(s string) ([]Record, error) {
	if !strings.HasPrefix(s, "List(") || !strings.HasSuffix(s, ")") {
		return nil, fmt.Errorf("%w: a list is written List(…)", ErrSyntax)
	}
	body := s[len("List(") : len(s)-1]
	var out []Record
	for len(body) > 0 {
		end := strings.IndexByte(body, ')')
		if body[0] != '(' || end < 0 {
			return nil, fmt.Errorf("%w: list items are records", ErrSyntax)
		}
		rec, err := ParseRecord(body[:end+1])
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
		body = body[end+1:]
		if len(body) > 0 {
			if body[0] != ',' || len(body) == 1 {
				return nil, fmt.Errorf("%w: list items are separated by ','", ErrSyntax)
			}
			body = body[1:]
		}
	}
	return out, nil
}
