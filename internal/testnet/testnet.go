// Package testnet holds network helpers the tests of several packages share.
package testnet

import (
	"context"
	"net"
	"testing"
)

// ClosedURL returns a loopback URL where nothing listens: connections to it
// are refused, as to a service that is not running.
func ClosedURL(t testing.TB) string {
	t.Helper()
	l, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return url
}
