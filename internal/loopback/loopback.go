// Package loopback hands out free 127.0.0.1 ports for servers that must
// know their address before they start: an instance whose OAuth redirect
// URI names its own port, a PostgreSQL or Redis child process, a cluster
// member behind a proxy.
//
// A port asked of the kernel with ":0" comes from its ephemeral range, the
// range it also draws every outgoing connection's local port from. Between
// the moment such a port is released and the moment the server binds it, a
// client in any process (a parallel test package dialing Redis) can be
// given it, and the server fails with "address already in use". The ports
// handed out here are drawn at random from the band just below that range,
// which the kernel never assigns by itself; a port found taken is skipped.
package loopback

import (
	"errors"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
)

// band is how many ports below the ephemeral range are drawn from.
const band = 12000

// Port returns a 127.0.0.1 port nothing listens on and the kernel will not
// hand to an outgoing connection.
func Port() (int, error) {
	hi := ephemeralStart()
	lo := max(hi-band, 1024)
	for range 200 {
		port := lo + rand.IntN(hi-lo)
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue // taken: another server of this machine's
		}
		ln.Close()
		return port, nil
	}
	return 0, errors.New("loopback: no free port below the ephemeral range")
}

// Addr returns "127.0.0.1:<port>" for a Port.
func Addr() (string, error) {
	port, err := Port()
	if err != nil {
		return "", err
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), nil
}

// ephemeralStart is the first port of the kernel's ephemeral range: Linux
// says it in /proc; elsewhere the IANA range's start is assumed.
func ephemeralStart() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil && n > 1024+band/4 {
				return n
			}
		}
	}
	return 49152
}
