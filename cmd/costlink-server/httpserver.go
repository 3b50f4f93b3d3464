package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/console"
	"github.com/costlink/terraform-provider-costlink/internal/server"
	"github.com/costlink/terraform-provider-costlink/internal/store"
)

// Bounds on every connection, so that slow or idle clients cannot hold the
// service's connections, goroutines and memory.
const (
	// readHeaderTimeout is ample for a request line and headers.
	readHeaderTimeout = 5 * time.Second
	// readTimeout bounds a whole request: a body is at most 1 MiB, and the
	// API's bodies are a few hundred bytes.
	readTimeout = 10 * time.Second
	// writeTimeout runs from the end of the headers to the end of the
	// response, so it must outlast POST .../health/check, which waits for
	// its check at most server.OnDemandCheckWait.
	writeTimeout = server.OnDemandCheckWait + 15*time.Second
	// idleTimeout closes a keep-alive connection left unused.
	idleTimeout = 2 * time.Minute
	// maxHeaderBytes bounds the request line and headers; an API key and a
	// connection ID are well under it.
	maxHeaderBytes = 64 << 10
	// shutdownTimeout is how long requests in flight may finish after
	// SIGINT or SIGTERM before their connections are closed: an operator or
	// orchestrator stopping the service must not wait on a slow client.
	shutdownTimeout = 3 * time.Second
)

// newHTTPServer returns a server of handler with the service's bounds.
func newHTTPServer(handler http.Handler, logger *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// listener is a server and the socket it serves.
type listener struct {
	srv *http.Server
	ln  net.Listener
}

// listenAll opens the API's listener, first, and when metricsAddr is set
// the metrics listener, which serves only GET /metrics. The Connections
// page keeps its sessions in st, where every replica finds them.
func listenAll(ctx context.Context, api *server.Server, st *store.Store, logger *slog.Logger, addr, metricsAddr string, tlsConfig *tls.Config, publicURL string) ([]listener, error) {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	// The Connections page (/ui/) drives the API in-process; every other
	// path is the API's.
	apiServer := newHTTPServer(console.New(console.Config{
		API: api, Secure: tlsConfig != nil, PublicURL: publicURL, Logger: logger, Sessions: console.NewDatabaseSessions(st),
	}), logger)
	apiServer.TLSConfig = tlsConfig
	all := []listener{{apiServer, ln}}
	if metricsAddr == "" {
		return all, nil
	}
	metricsLn, err := (&net.ListenConfig{}).Listen(ctx, "tcp", metricsAddr)
	if err != nil {
		_ = ln.Close() // nothing was served on it
		return nil, fmt.Errorf("--metrics-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", api.MetricsHandler())
	logger.Info("serving metrics", "addr", metricsLn.Addr().String())
	return append(all, listener{newHTTPServer(mux, logger), metricsLn}), nil
}

// serve serves l over HTTPS when its server has a TLS configuration.
func (l listener) serve() error {
	if l.srv.TLSConfig != nil {
		return l.srv.ServeTLS(l.ln, "", "")
	}
	return l.srv.Serve(l.ln)
}

// serveAll serves every listener until ctx ends or one of them fails, then
// shuts them all down within shutdownTimeout.
func serveAll(ctx context.Context, logger *slog.Logger, listeners ...listener) error {
	served := make(chan error, len(listeners))
	for _, l := range listeners {
		go func() { served <- l.serve() }()
	}
	var err error
	select {
	case err = <-served:
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	for _, l := range listeners {
		if l.srv.Shutdown(shutdownCtx) != nil {
			logger.Warn("closing the connections still open after the shutdown grace period",
				"addr", l.ln.Addr().String(), "grace", shutdownTimeout)
			_ = l.srv.Close() // its error is the listener's, closed already by Shutdown
		}
	}
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// loadTLS returns the TLS configuration of a certificate and key file, or
// nil to serve plain HTTP when neither is given.
func loadTLS(certFile, keyFile string) (*tls.Config, error) {
	if certFile == "" && keyFile == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("cannot load the TLS certificate %s and key %s: %w", certFile, keyFile, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}
