package config

import (
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestLogFormatAndLevelFollowTheSettings: logs are JSON outside the
// sandbox and text in it unless log.format says otherwise; log.level (or
// SNAPBRIDGE_LOG_LEVEL, or the older logLevel) sets the level; a wrong
// value stops the start naming the setting.
func TestLogFormatAndLevelFollowTheSettings(t *testing.T) {
	for _, tc := range []struct {
		scenario   string
		yaml       string
		env        map[string]string
		wantFormat string
		wantLevel  slog.Level
		wantErr    string
	}{
		{scenario: "nothing set", wantFormat: "json", wantLevel: slog.LevelInfo},
		{scenario: "sandbox", yaml: "sandbox:\n  enabled: true\n", wantFormat: "text", wantLevel: slog.LevelInfo},
		{scenario: "sandbox asking for JSON", yaml: "sandbox:\n  enabled: true\nlog:\n  format: json\n", wantFormat: "json", wantLevel: slog.LevelInfo},
		{scenario: "log.level and log.format", yaml: "log:\n  level: debug\n  format: text\n", wantFormat: "text", wantLevel: slog.LevelDebug},
		{scenario: "the older logLevel", yaml: "logLevel: warn\n", wantFormat: "json", wantLevel: slog.LevelWarn},
		{scenario: "environment over the file", yaml: "log:\n  level: debug\n",
			env: map[string]string{"SNAPBRIDGE_LOG_LEVEL": "error", "SNAPBRIDGE_LOG_FORMAT": "text"}, wantFormat: "text", wantLevel: slog.LevelError},
		{scenario: "an unknown format", yaml: "log:\n  format: xml\n", wantErr: "log.format"},
		{scenario: "an unknown level", env: map[string]string{"SNAPBRIDGE_LOG_LEVEL": "loud"}, wantErr: "log.level"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "snapbridge.yaml")
			if err := os.WriteFile(file, []byte(tc.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := Load(file, env(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			format, level, err := cfg.LogSettings()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil || format != tc.wantFormat || level != tc.wantLevel {
				t.Errorf("format %q level %v err %v, want %q %v", format, level, err, tc.wantFormat, tc.wantLevel)
			}
		})
	}
}

// TestTrustedProxiesComeFromFileOrEnvironment: tracing.trustedProxies is
// a list in the file and a comma-separated list in the environment.
func TestTrustedProxiesComeFromFileOrEnvironment(t *testing.T) {
	file := filepath.Join(t.TempDir(), "snapbridge.yaml")
	if err := os.WriteFile(file, []byte("tracing:\n  trustedProxies: [10.0.0.0/8]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(file, env(nil))
	if err != nil || !slices.Equal(cfg.Tracing.TrustedProxies, []string{"10.0.0.0/8"}) {
		t.Fatalf("from the file: %v %v", cfg.Tracing.TrustedProxies, err)
	}
	cfg, err = Load(file, env(map[string]string{"SNAPBRIDGE_TRACING_TRUSTED_PROXIES": "192.168.0.0/16, 172.16.0.1"}))
	if err != nil || !slices.Equal(cfg.Tracing.TrustedProxies, []string{"192.168.0.0/16", "172.16.0.1"}) {
		t.Fatalf("from the environment: %v %v", cfg.Tracing.TrustedProxies, err)
	}
}
