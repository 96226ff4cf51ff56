package loopback

import (
	"net"
	"strconv"
	"testing"
)

// TestPortIsBindableAndOutsideTheEphemeralRange: the port can be listened
// on, and no outgoing connection can have been given it.
func TestPortIsBindableAndOutsideTheEphemeralRange(t *testing.T) {
	start := ephemeralStart()
	for range 20 {
		port, err := Port()
		if err != nil {
			t.Fatal(err)
		}
		if port >= start || port < 1024 {
			t.Fatalf("port %d is not in [1024, %d)", port, start)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			t.Fatalf("port %d was handed out but cannot be listened on: %v", port, err)
		}
		ln.Close()
	}
}

// TestTakenPortIsSkipped: a port a server listens on is never handed out.
func TestTakenPortIsSkipped(t *testing.T) {
	start := ephemeralStart()
	lo := max(start-band, 1024)
	// Hold a few hundred ports of the band; none of them may come back.
	held := map[int]bool{}
	for p := lo; p < lo+300; p++ {
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			continue
		}
		defer ln.Close()
		held[p] = true
	}
	for range 500 {
		port, err := Port()
		if err != nil {
			t.Fatal(err)
		}
		if held[port] {
			t.Fatalf("port %d is listened on but was handed out", port)
		}
	}
}
