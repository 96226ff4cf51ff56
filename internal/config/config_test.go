package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// Settings come from defaults, then the file, then the environment.
func TestLoadLayers(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "snapbridge.yaml")
	yaml := "addr: 127.0.0.1:9000\nlogLevel: debug\nsandbox:\n  enabled: true\n  complianceCadence: 5s\n  faults:\n    latency: 250ms\n    rate429: 0.1\nassociations:\n  maxBatch: 10\n  lookupTimeout: 2500ms\n"
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(file, env(map[string]string{"SNAPBRIDGE_ADDR": "127.0.0.1:9100", "SNAPBRIDGE_DATA_DIR": dir,
		"SNAPBRIDGE_SANDBOX_COMPLIANCE_CADENCE": "2s", "SNAPBRIDGE_REDIS_URL": "rediss://cache.example:6380/1"}))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:9100" || cfg.LogLevel != "debug" || cfg.Associations.MaxBatch != 10 || cfg.Associations.LookupTimeout != 2500*time.Millisecond ||
		cfg.Sandbox.Faults.Latency != 250*time.Millisecond || cfg.Sandbox.Faults.Rate429 != 0.1 ||
		cfg.Sandbox.ComplianceCadence != 2*time.Second {
		t.Errorf("layers not applied: %+v", cfg)
	}
	if cfg.Redis.URL != "rediss://cache.example:6380/1" {
		t.Errorf("redis.url = %q, want SNAPBRIDGE_REDIS_URL's", cfg.Redis.URL)
	}
	if cfg.PublicURL != "http://127.0.0.1:9100" || cfg.DB != dir+"/snapbridge.db" || !strings.HasPrefix(cfg.LinkedIn.APIBase, "http://127.0.0.1:8091") {
		t.Errorf("derived settings: public %s db %s api %s", cfg.PublicURL, cfg.DB, cfg.LinkedIn.APIBase)
	}
}

func TestBadConfigurationIsRefused(t *testing.T) {
	for _, tc := range []struct {
		scenario, yaml string
		env            map[string]string
		want           string
	}{
		{"unknown field", "adress: x\n", nil, "adress"},
		{"bad address", "addr: nowhere\nsandbox: {enabled: true}\n", nil, "addr"},
		{"no tenants outside sandbox", "", nil, "tenants"},
		{"public URL with a path", "publicUrl: https://x.example/app\nsandbox: {enabled: true}\n", nil, "publicUrl"},
		{"look-up timeout over a minute", "associations: {lookupTimeout: 2m}\nsandbox: {enabled: true}\n", nil, "lookupTimeout"},
		{"batch too large", "associations: {maxBatch: 500}\nsandbox: {enabled: true}\n", nil, "maxBatch"},
		{"sandbox flag not a boolean", "", map[string]string{"SNAPBRIDGE_SANDBOX": "maybe"}, "SNAPBRIDGE_SANDBOX"},
		{"compliance cadence not a duration", "", map[string]string{"SNAPBRIDGE_SANDBOX_COMPLIANCE_CADENCE": "often"}, "SNAPBRIDGE_SANDBOX_COMPLIANCE_CADENCE"},
		{"compliance cadence under a second", "", map[string]string{"SNAPBRIDGE_SANDBOX_COMPLIANCE_CADENCE": "10ms"}, "at least 1s"},
		{"a wildcard photo origin (CSP img-src)", "operatorKey: operator-key-for-config-tests-0123456789\nlinkedin: {mediaOrigins: ['https://*']}\n", nil, "linkedin.mediaOrigins[0]"},
		{"short operator key", "sandbox: {enabled: true}\n", map[string]string{"SNAPBRIDGE_OPERATOR_KEY": "short"}, "operatorKey"},
		{"write timeout not positive", "writeTimeout: 0s\nsandbox: {enabled: true}\n", nil, "writeTimeout"},
		{"redis URL of another scheme", "redis: {url: 'http://cache:6379'}\nsandbox: {enabled: true}\n", nil, "redis.url"},
		{"redis timeout over 5 s", "redis: {url: 'redis://cache:6379/0', timeout: 10s}\nsandbox: {enabled: true}\n", nil, "redis.timeout"},
		{"redis timeout negative", "redis: {url: 'redis://cache:6379/0', timeout: -1s}\nsandbox: {enabled: true}\n", nil, "redis.timeout"},
		{"redis URL from the environment with a bad database", "sandbox: {enabled: true}\n", map[string]string{"SNAPBRIDGE_REDIS_URL": "redis://cache:6379/zero"}, "redis.url"},
		{"metrics on the public port", "addr: 0.0.0.0:8080\nsandbox: {enabled: true}\n", map[string]string{"SNAPBRIDGE_METRICS_ADDR": "127.0.0.1:8080"}, "metrics.addr"},
		{"metrics address without a port", "metrics: {addr: 'localhost'}\nsandbox: {enabled: true}\n", nil, "metrics.addr"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "c.yaml")
			if err := os.WriteFile(file, []byte(tc.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := Load(file, env(tc.env))
			if err == nil {
				err = cfg.Finish()
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one naming %q", err, tc.want)
			}
		})
	}
}

// An operator key comes from the file or the environment, and lets a
// server start without configured tenants (they are created through the
// admin API and stored).
func TestOperatorKey(t *testing.T) {
	key := strings.Repeat("o", MinOperatorKeyLen)
	for _, tc := range []struct {
		scenario, yaml string
		env            map[string]string
	}{
		{"from the file", "operatorKey: " + key + "\n", nil},
		{"from the environment", "", map[string]string{"SNAPBRIDGE_OPERATOR_KEY": key}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "c.yaml")
			if err := os.WriteFile(file, []byte(tc.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := Load(file, env(tc.env))
			if err == nil {
				err = cfg.Finish()
			}
			if err != nil || cfg.OperatorKey != key {
				t.Errorf("err = %v, operator key set %v", err, cfg.OperatorKey == key)
			}
		})
	}
}

// Generated secrets survive a restart (tokens stay decryptable, sessions
// stay valid) and are never written when they were configured.
func TestSecretsPersistAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	first := Defaults()
	first.DataDir, first.Sandbox.Enabled = dir, true
	if err := first.EnsureSecrets(time.Now()); err != nil {
		t.Fatal(err)
	}
	second := Defaults()
	second.DataDir, second.Sandbox.Enabled = dir, true
	if err := second.EnsureSecrets(time.Now()); err != nil {
		t.Fatal(err)
	}
	if first.Secrets.SessionKey == "" || first.Secrets.SessionKey != second.Secrets.SessionKey ||
		strings.Join(first.Secrets.EncryptionKeys, ",") != strings.Join(second.Secrets.EncryptionKeys, ",") ||
		first.Secrets.DemoContextSecret != second.Secrets.DemoContextSecret {
		t.Error("secrets changed across restarts")
	}
	if _, err := second.SessionPrivateKey(); err != nil {
		t.Error(err)
	}
	info, err := os.Stat(filepath.Join(dir, "secrets.json"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("secrets file: %v, mode %v", err, info.Mode())
	}
	configured := Defaults()
	configured.DataDir = t.TempDir()
	configured.Secrets.EncryptionKeys = []string{NewEncryptionKey("mine")}
	configured.Secrets.SessionKey = first.Secrets.SessionKey
	if err := configured.EnsureSecrets(time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(configured.DataDir, "secrets.json")); !os.IsNotExist(err) {
		t.Error("configured secrets were written to disk")
	}
}

// The metrics listener is off unless set, from the file or the
// environment, and may share a host with the public port but not the port.
func TestMetricsAddr(t *testing.T) {
	cfg, err := Load("", env(nil))
	if err != nil || cfg.Metrics.Addr != "" {
		t.Fatalf("default metrics.addr = %q (%v), want off", cfg.Metrics.Addr, err)
	}
	cfg, err = Load("", env(map[string]string{"SNAPBRIDGE_METRICS_ADDR": "127.0.0.1:9464", "SNAPBRIDGE_SANDBOX": "true"}))
	if err == nil {
		err = cfg.Finish()
	}
	if err != nil || cfg.Metrics.Addr != "127.0.0.1:9464" {
		t.Errorf("metrics.addr = %q (%v), want SNAPBRIDGE_METRICS_ADDR's", cfg.Metrics.Addr, err)
	}
}
