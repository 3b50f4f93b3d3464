package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/health"
	"github.com/costlink/terraform-provider-costlink/internal/server"
	"github.com/costlink/terraform-provider-costlink/internal/store"
)

// serve runs the API until SIGINT or SIGTERM, then shuts down gracefully.
func serve(args []string, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serveUntil(ctx, args, stderr)
}

// serveUntil runs the API until ctx ends, then shuts down gracefully.
func serveUntil(ctx context.Context, args []string, stderr io.Writer) int {
	fs := newFlagSet("serve", stderr)
	addr := fs.String("addr", envOr("COSTLINK_ADDR", "127.0.0.1:8080"), "listen address (env COSTLINK_ADDR)")
	db := dbFlag(fs)
	principalARN := fs.String("principal-arn", os.Getenv("COSTLINK_PRINCIPAL_ARN"),
		"the platform's AWS principal that customers' roles trust (env COSTLINK_PRINCIPAL_ARN); default: the root of the service's own AWS account")
	rateLimit := fs.Float64("rate-limit", 20, "sustained requests per second per API key, counted by each replica on its own; 0 disables rate limiting")
	rateBurst := fs.Int("rate-burst", 40, "requests per API key allowed at once above the sustained rate, by each replica")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	checkInterval := fs.Duration("check-interval", 15*time.Minute,
		"how often every connection's health is checked, once per interval over every replica on the database; 0 disables periodic checks")
	ipRateLimit := fs.Float64("ip-rate-limit", server.DefaultIPRateLimit,
		"sustained requests per second per client address (an IPv6 /64), counted before the API key is checked; 0 disables it (env COSTLINK_IP_RATE_LIMIT)")
	ipRateBurst := fs.Int("ip-rate-burst", server.DefaultIPRateBurst,
		"requests per client address allowed at once above the sustained rate (env COSTLINK_IP_RATE_BURST)")
	checkConcurrency := fs.Int("check-concurrency", server.DefaultCheckConcurrency,
		"the most health checks run at once, periodic, after a change and on demand together; "+
			"periodic ones use what --check-interval needs: connections × a check's duration ÷ interval")
	replicaID := fs.String("replica-id", os.Getenv("COSTLINK_REPLICA_ID"),
		"this replica's name in the database's health-check leases and its logs, unique among replicas on one database (env COSTLINK_REPLICA_ID); default: the host name and a random suffix")
	checkLease := fs.Duration("check-lease", server.DefaultCheckLease,
		"how long a replica holds a connection for one health check: a check is bounded to two thirds of it, and a replica that dies holds its connections' checks up to this long")
	metricsAddr := fs.String("metrics-addr", os.Getenv("COSTLINK_METRICS_ADDR"),
		"serve Prometheus metrics at /metrics on this address, a listener apart from the API, in plain HTTP: "+
			"bind it to an address only the monitoring system reaches (env COSTLINK_METRICS_ADDR); default: metrics are not served")
	tlsCert := fs.String("tls-cert", os.Getenv("COSTLINK_TLS_CERT"),
		"PEM certificate (chain) to serve the API over HTTPS, with --tls-key (env COSTLINK_TLS_CERT); default: plain HTTP")
	publicURL := fs.String("public-url", os.Getenv("COSTLINK_PUBLIC_URL"),
		"the URL users reach the service at, when a load balancer in front terminates TLS, e.g. https://costlink.example.com: "+
			"an https URL makes the Connections page's session cookie Secure, and its Terraform snippets name it (env COSTLINK_PUBLIC_URL); default: the request's host")
	tlsKey := fs.String("tls-key", os.Getenv("COSTLINK_TLS_KEY"), "PEM private key of --tls-cert (env COSTLINK_TLS_KEY)")
	if err := envDefaults(fs, map[string]string{"ip-rate-limit": "COSTLINK_IP_RATE_LIMIT", "ip-rate-burst": "COSTLINK_IP_RATE_BURST"}); err != nil {
		return flagError(fs, err.Error())
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		return flagError(fs, "--tls-cert and --tls-key go together: give both to serve HTTPS, or neither")
	}
	if err := checkPublicURL(*publicURL); err != nil {
		return flagError(fs, err.Error())
	}
	logger, err := newLogger(*logFormat, stderr)
	if err != nil {
		return flagError(fs, err.Error())
	}

	tlsConfig, err := loadTLS(*tlsCert, *tlsKey)
	if err != nil {
		return failure(stderr, err)
	}
	awsCfg, err := loadAWSConfig(ctx)
	if err != nil {
		return failure(stderr, err)
	}
	principal, err := resolvePrincipalARN(ctx, awsCfg, *principalARN)
	if err != nil {
		return failure(stderr, err)
	}
	st, err := store.Open(*db)
	if err != nil {
		return failure(stderr, err)
	}
	defer st.Close()
	api := server.New(server.Config{
		Store: st, Logger: logger, PrincipalARN: principal, RateLimit: *rateLimit, RateBurst: *rateBurst,
		IPRateLimit: *ipRateLimit, IPRateBurst: *ipRateBurst,
		Prober: health.NewChecker(awsCfg), CheckConcurrency: *checkConcurrency,
		ReplicaID: *replicaID, CheckLease: *checkLease,
	})
	defer api.Close()
	servers, err := listenAll(ctx, api, st, logger, *addr, *metricsAddr, tlsConfig, *publicURL)
	if err != nil {
		return failure(stderr, err)
	}
	if *checkInterval > 0 {
		go api.RunChecks(ctx, *checkInterval)
	}
	logger.Info("listening", "addr", servers[0].ln.Addr().String(), "tls", tlsConfig != nil, "db", store.Describe(*db), "principal_arn", principal)
	if err := serveAll(ctx, logger, servers...); err != nil {
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

// checkPublicURL accepts "" or an absolute http(s) URL of a host, without a
// path: the service's pages and API live at its root.
func checkPublicURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.Trim(u.Path, "/") != "" ||
		u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("--public-url %q is not valid: give the URL users reach the service at, such as https://costlink.example.com", raw)
	}
	return nil
}
