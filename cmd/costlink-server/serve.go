package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/health"
	"github.com/costlink/terraform-provider-costlink/internal/server"
	"github.com/costlink/terraform-provider-costlink/internal/store"
)

// shutdownTimeout bounds how long in-flight requests may finish after SIGINT or SIGTERM.
const shutdownTimeout = 10 * time.Second

// serve runs the API until SIGINT or SIGTERM, then shuts down gracefully.
func serve(args []string, stderr io.Writer) int {
	fs := newFlagSet("serve", stderr)
	addr := fs.String("addr", envOr("COSTLINK_ADDR", "127.0.0.1:8080"), "listen address (env COSTLINK_ADDR)")
	db := dbFlag(fs)
	principalARN := fs.String("principal-arn", os.Getenv("COSTLINK_PRINCIPAL_ARN"),
		"the platform's AWS principal that customers' roles trust (env COSTLINK_PRINCIPAL_ARN); default: the root of the service's own AWS account")
	rateLimit := fs.Float64("rate-limit", 20, "sustained requests per second per API key; 0 disables rate limiting")
	rateBurst := fs.Int("rate-burst", 40, "requests per API key allowed at once above the sustained rate")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	checkInterval := fs.Duration("check-interval", 15*time.Minute, "how often every connection's health is checked; 0 disables periodic checks")
	checkConcurrency := fs.Int("check-concurrency", 8, "health checks run at once by the periodic checker")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	logger, err := newLogger(*logFormat, stderr)
	if err != nil {
		return flagError(fs, err.Error())
	}

	awsCfg, err := loadAWSConfig(context.Background())
	if err != nil {
		return failure(stderr, err)
	}
	principal, err := resolvePrincipalARN(context.Background(), awsCfg, *principalARN)
	if err != nil {
		return failure(stderr, err)
	}
	st, err := store.Open(*db)
	if err != nil {
		return failure(stderr, err)
	}
	defer st.Close()
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", *addr)
	if err != nil {
		return failure(stderr, err)
	}
	api := server.New(server.Config{
		Store: st, Logger: logger, PrincipalARN: principal, RateLimit: *rateLimit, RateBurst: *rateBurst,
		Prober: health.NewChecker(awsCfg),
	})
	defer api.Close()
	srv := &http.Server{
		Handler:           api,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *checkInterval > 0 {
		go api.RunChecks(ctx, *checkInterval, *checkConcurrency)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	logger.Info("listening", "addr", ln.Addr().String(), "db", *db, "principal_arn", principal)

	select {
	case err := <-served:
		return failure(stderr, err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return failure(stderr, fmt.Errorf("shutdown: %w", err))
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return failure(stderr, err)
	}
	return exitOK
}

func newLogger(format string, w io.Writer) (*slog.Logger, error) {
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	}
	return nil, fmt.Errorf("--log-format %q is not valid: use text or json", format)
}
