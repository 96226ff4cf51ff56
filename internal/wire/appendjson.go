package wire

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// AppendJSON appends the JSON encoding of a to b. It produces what
// encoding/json produces for the same value, without reflection, because
// the cached association answer is the server's hottest path.
func (a Associations) AppendJSON(b []byte) []byte {
	b = append(b, `{"associations":[`...)
	for i, x := range a.Associations {
		if i > 0 {
			b = append(b, ',')
		}
		b = x.AppendJSON(b)
	}
	return append(b, "]}"...)
}

// AppendJSON appends the JSON encoding of one association to b, as
// encoding/json would write it; the resolver keeps cached answers
// encoded with it.
func (a Association) AppendJSON(b []byte) []byte {
	b = append(b, `{"recordId":`...)
	b = appendString(b, a.RecordID)
	b = append(b, `,"status":`...)
	b = appendString(b, a.Status)
	for _, f := range [...]struct{ name, v string }{
		{`,"member":`, a.Member}, {`,"profile":`, a.Profile}, {`,"profilePhoto":`, a.ProfilePhoto},
	} {
		if f.v != "" {
			b = append(b, f.name...)
			b = appendString(b, f.v)
		}
	}
	b = append(b, `,"cached":`...)
	b = strconv.AppendBool(b, a.Cached)
	if a.CachedAt != nil {
		b = append(b, `,"cachedAt":"`...)
		b = append(a.CachedAt.AppendFormat(b, time.RFC3339Nano), '"')
	}
	if a.ExpiresAt != nil {
		b = append(b, `,"expiresAt":"`...)
		b = append(a.ExpiresAt.AppendFormat(b, time.RFC3339Nano), '"')
	}
	if a.Stale {
		b = append(b, `,"stale":true`...)
	}
	if a.ForceRefused {
		b = append(b, `,"forceRefused":true`...)
	}
	if a.RefreshAfter != nil {
		b = append(b, `,"refreshAfter":"`...)
		b = append(a.RefreshAfter.AppendFormat(b, time.RFC3339Nano), '"')
	}
	if a.Reason != "" {
		b = append(b, `,"reason":`...)
		b = appendString(b, a.Reason)
	}
	if a.RetryAt != nil {
		b = append(b, `,"retryAt":"`...)
		b = append(a.RetryAt.AppendFormat(b, time.RFC3339Nano), '"')
	}
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string with encoding/json's escaping:
// control characters, quotes, backslashes, the HTML-sensitive < > & and
// U+2028/U+2029 are escaped; invalid UTF-8 becomes U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
