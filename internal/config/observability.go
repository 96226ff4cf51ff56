package config

import (
	"fmt"
	"log/slog"
	"strings"

	"go.opentelemetry.io/otel/trace"
)

// Log says how the server logs (log/slog, to stderr).
type Log struct {
	// Level is debug, info, warn or error. Default: info, or the older
	// top-level logLevel when set (SNAPBRIDGE_LOG_LEVEL).
	Level string `yaml:"level"`
	// Format is json (one JSON object a line) or text (key=value).
	// Default: json, text in sandbox mode (SNAPBRIDGE_LOG_FORMAT).
	Format string `yaml:"format"`
}

// Tracing tunes OpenTelemetry tracing. Whether spans are sent, and where,
// is set by the standard OTEL_* environment variables
// (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER…);
// with no endpoint set tracing is off.
type Tracing struct {
	// TrustedProxies are the peers (CIDRs such as 10.0.0.0/8, or single
	// addresses) whose W3C traceparent header a request's trace continues;
	// from any other peer a request starts a new trace. Default: none
	// (SNAPBRIDGE_TRACING_TRUSTED_PROXIES, comma-separated).
	TrustedProxies []string `yaml:"trustedProxies"`
	// Provider makes the spans; tests set one with an in-memory exporter.
	// Default: built from the OTEL_* environment variables.
	Provider trace.TracerProvider `yaml:"-"`
}

// applyEnv reads SNAPBRIDGE_LOG_LEVEL, SNAPBRIDGE_LOG_FORMAT and
// SNAPBRIDGE_TRACING_TRUSTED_PROXIES.
func (c *Config) applyObservabilityEnv(getenv func(string) string) {
	if v := getenv("SNAPBRIDGE_LOG_LEVEL"); v != "" {
		c.Log.Level = v
	}
	if v := getenv("SNAPBRIDGE_LOG_FORMAT"); v != "" {
		c.Log.Format = v
	}
	if v := getenv("SNAPBRIDGE_TRACING_TRUSTED_PROXIES"); v != "" {
		c.Tracing.TrustedProxies = nil
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				c.Tracing.TrustedProxies = append(c.Tracing.TrustedProxies, p)
			}
		}
	}
}

// LogSettings returns the log format and level to use, defaults applied
// (json outside the sandbox, text in it; info), or an error naming the
// setting that is wrong. It can be called before Finish.
func (c *Config) LogSettings() (format string, level slog.Level, err error) {
	lv := c.Log.Level
	if lv == "" {
		lv = c.LogLevel
	}
	if lv == "" {
		lv = "info"
	}
	if err := level.UnmarshalText([]byte(lv)); err != nil {
		return "", 0, fmt.Errorf("log.level: %q is not debug, info, warn or error", lv)
	}
	format = strings.ToLower(c.Log.Format)
	switch format {
	case "":
		format = "json"
		if c.Sandbox.Enabled {
			format = "text"
		}
	case "json", "text":
	default:
		return "", 0, fmt.Errorf("log.format: %q is not json or text", c.Log.Format)
	}
	return format, level, nil
}
