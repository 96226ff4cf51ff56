package tenant

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// maxOriginLen bounds an allowed origin: "https://" + a 253-byte DNS name +
// ":65535", with room to spare.
const maxOriginLen = 300

// ParseOrigin checks that s is an origin a CRM page can have and returns
// it in canonical form, the way browsers serialise origins: lower case,
// without the scheme's default port. Accepted is exactly
// scheme://host[:port] where
//   - scheme is https, or http for loopback hosts only (localhost,
//     127.0.0.0/8, [::1]);
//   - host is a DNS name of at least two labels (letters, digits, '-';
//     internationalised names in their xn-- form), localhost, an IPv4
//     address or a bracketed IPv6 address, never a wildcard;
//   - port, if given, is 1-65535;
//   - nothing else: no path (not even "/"), query, fragment or user name.
//
// Every allowed origin goes through it (configuration, operator and admin
// API, console), because origins end up in Content-Security-Policy
// frame-ancestors, where "https://*" would let any site frame the widget.
func ParseOrigin(s string) (string, error) {
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("%s is not an origin like https://crm.example.com: %s", clipQuote(s), why)
	}
	if len(s) > maxOriginLen {
		return bad(fmt.Sprintf("it is longer than %d bytes", maxOriginLen))
	}
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return bad("it needs a scheme and a host, scheme://host[:port]")
	}
	scheme = strings.ToLower(scheme)
	if scheme != "https" && scheme != "http" {
		return bad("the scheme must be https")
	}
	if strings.ContainsAny(rest, "/?#@\\") {
		return bad("an origin has no path (not even a trailing /), query, fragment or user name")
	}
	host, port, loopback, err := parseHostPort(rest)
	if err != nil {
		return bad(err.Error())
	}
	if scheme == "http" && !loopback {
		return bad("http is only allowed for localhost, 127.0.0.0/8 and [::1]; use https")
	}
	if port == defaultPort(scheme) {
		port = ""
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host, nil
}

func defaultPort(scheme string) string {
	if scheme == "https" {
		return "443"
	}
	return "80"
}

// parseHostPort splits host[:port], checks both and returns the host in
// canonical form, the port as plain digits ("" when absent) and whether
// the host is a loopback one.
func parseHostPort(s string) (host, port string, loopback bool, err error) {
	var hasPort bool
	if rest, ok := strings.CutPrefix(s, "["); ok {
		inner, after, closed := strings.Cut(rest, "]")
		if !closed {
			return "", "", false, fmt.Errorf("the IPv6 address lacks its closing ]")
		}
		addr, perr := netip.ParseAddr(inner)
		if perr != nil || !addr.Is6() || addr.Zone() != "" {
			return "", "", false, fmt.Errorf("[%s] is not an IPv6 address", inner)
		}
		if after != "" {
			if port, hasPort = strings.CutPrefix(after, ":"); !hasPort {
				return "", "", false, fmt.Errorf("only a :port may follow the host")
			}
		}
		if err := checkAddr(addr); err != nil {
			return "", "", false, err
		}
		host, loopback = "["+addr.String()+"]", addr.IsLoopback()
	} else {
		host, port, hasPort = strings.Cut(s, ":")
		host = strings.ToLower(host)
		if addr, perr := netip.ParseAddr(host); perr == nil {
			if err := checkAddr(addr); err != nil {
				return "", "", false, err
			}
			host, loopback = addr.String(), addr.IsLoopback()
		} else if err := checkDNSName(host); err != nil {
			return "", "", false, err
		} else {
			loopback = host == "localhost"
		}
	}
	if hasPort {
		if port, err = checkPort(port); err != nil {
			return "", "", false, err
		}
	}
	return host, port, loopback, nil
}

func checkAddr(addr netip.Addr) error {
	if addr.IsUnspecified() {
		return fmt.Errorf("%s is not an address a page can have", addr)
	}
	return nil
}

// checkPort accepts 1-65535 written as plain digits and returns it
// without leading zeros.
func checkPort(p string) (string, error) {
	if p == "" || len(p) > 5 || strings.Trim(p, "0123456789") != "" {
		return "", fmt.Errorf("the port must be a number from 1 to 65535")
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("the port must be a number from 1 to 65535")
	}
	return strconv.Itoa(n), nil
}

// checkDNSName accepts localhost and lower-case DNS names of at least two
// labels whose last label is not all digits (that would be a mistyped
// IPv4 address).
func checkDNSName(h string) error {
	switch {
	case h == "localhost":
		return nil
	case h == "":
		return fmt.Errorf("the host is missing")
	case strings.Contains(h, "*"):
		return fmt.Errorf("wildcards are not supported; list every origin that may frame the widget")
	case strings.ContainsFunc(h, func(r rune) bool { return r > 0x7f }):
		return fmt.Errorf("write an internationalised host name in its xn-- (punycode) form")
	case len(h) > 253:
		return fmt.Errorf("the host name is longer than 253 bytes")
	}
	labels := strings.Split(h, ".")
	if len(labels) < 2 {
		return fmt.Errorf("the host needs a domain, like crm.example.com (or localhost)")
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' ||
			strings.ContainsFunc(l, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') }) {
			return fmt.Errorf("the host may hold only letters, digits, '-' and '.' between labels of 1-63 characters")
		}
	}
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return fmt.Errorf("the host is neither a domain name nor an IPv4 address")
	}
	return nil
}

// FrameAncestors returns the Content-Security-Policy frame-ancestors source
// list for the tenant's pages: its origins (Origins), or 'none' when it has
// none. Each origin is checked again with ParseOrigin on the way out, so
// nothing that is not an origin can reach the header, whatever path the
// tenant took.
func (t *Tenant) FrameAncestors() string {
	if t == nil {
		return "'none'"
	}
	origins := t.Origins()
	out := make([]string, 0, len(origins))
	for _, o := range origins {
		if canonical, err := ParseOrigin(o); err == nil {
			out = append(out, canonical)
		}
	}
	if len(out) == 0 {
		return "'none'"
	}
	return strings.Join(out, " ")
}

// clipQuote quotes a value for an error message, cut short so a hostile
// value cannot flood answers and logs.
func clipQuote(s string) string {
	const max = 100
	if len(s) > max {
		s = s[:max] + "…"
	}
	return strconv.Quote(s)
}
