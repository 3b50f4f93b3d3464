// Package testnet holds network helpers the tests of several packages share.
package testnet

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"testing"
)

// ClosedURL returns a loopback URL where nothing listens: connections to it
// are refused, as to a service that is not running.
func ClosedURL(t testing.TB) string {
	t.Helper()
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return "http://127.0.0.1:" + strconv.Itoa(port)
}

// FreePort returns a loopback port nobody listens on now, for a server the
// caller starts: another process may take it first, so callers retry.
func FreePort() (int, error) {
	l, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free loopback port: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	return port, l.Close()
}
