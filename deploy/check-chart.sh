#!/bin/bash
# deploy/check-chart.sh HELM KUBE_VERSION lints and renders the Helm chart
# with its default values and with values-production.yaml, and checks what
# the rendered manifests promise operators:
#   - the instances run non-root on a read-only root file system, without
#     privilege escalation or capabilities, and are probed (/readyz, /healthz);
#   - a migration Job runs `snapbridge migrate` as a pre-install/pre-upgrade hook;
#   - the chart renders no Secret and passes every secret setting by
#     reference (valueFrom / mounted files), never as a value;
#   - it refuses secrets in config.settings;
#   - with the production values, metrics are on their own port (9464) and a
#     ServiceMonitor scrapes them; the default values serve none.
# Run it from the repository root (`make helm-check`).
set -euo pipefail

helm=${1:?usage: deploy/check-chart.sh HELM KUBE_VERSION}
kube=${2:?usage: deploy/check-chart.sh HELM KUBE_VERSION}
chart=deploy/helm/snapbridge
fail() { echo "helm-check: $1: $2" >&2; exit 1; }

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# must NAME FILE PATTERN [WHAT]: FILE has a line matching the extended regex.
must() { grep -qE -- "$3" "$2" || fail "$1" "${4:-no line matches /$3/}"; }

for values in default production; do
	args=(--kube-version "$kube")
	[ "$values" = production ] && args+=(-f "$chart/values-production.yaml")
	"$helm" lint --strict "${args[@]}" "$chart" >"$out/lint" 2>&1 || { cat "$out/lint" >&2; fail "$values" "helm lint"; }
	"$helm" template snapbridge "$chart" "${args[@]}" >"$out/all.yaml" || fail "$values" "helm template"
	"$helm" template snapbridge "$chart" "${args[@]}" --show-only templates/deployment.yaml >"$out/deploy.yaml"
	"$helm" template snapbridge "$chart" "${args[@]}" --show-only templates/migration-job.yaml >"$out/job.yaml"

	d="$values values, Deployment"
	must "$d" "$out/deploy.yaml" '^kind: Deployment$'
	for want in 'readOnlyRootFilesystem: true' 'runAsNonRoot: true' 'allowPrivilegeEscalation: false' \
		'type: RuntimeDefault' 'containerPort: 8080'; do
		must "$d" "$out/deploy.yaml" "^ +$want\$"
	done
	grep -A2 -E '^ +drop:$' "$out/deploy.yaml" | grep -qE '^ +- ALL$' || fail "$d" "capabilities do not drop ALL"
	grep -A6 -E '^ +readinessProbe:$' "$out/deploy.yaml" | grep -qE '^ +path: /readyz$' || fail "$d" "no readiness probe on /readyz"
	grep -A6 -E '^ +livenessProbe:$' "$out/deploy.yaml" | grep -qE '^ +path: /healthz$' || fail "$d" "no liveness probe on /healthz"
	must "$d" "$out/deploy.yaml" '^ +requests:$' "no resource requests"
	for kind in Service PodDisruptionBudget ServiceAccount; do
		must "$values values" "$out/all.yaml" "^kind: $kind\$" "no $kind"
	done

	j="$values values, migration Job"
	must "$j" "$out/job.yaml" '^kind: Job$'
	must "$j" "$out/job.yaml" '^    helm.sh/hook: pre-install,pre-upgrade$' "not a pre-install,pre-upgrade hook"
	must "$j" "$out/job.yaml" '^ +args: \[migrate\]$' "does not run snapbridge migrate"
	must "$j" "$out/job.yaml" '^ +readOnlyRootFilesystem: true$'

	s="$values values, secrets"
	if grep -qE '^kind: Secret$' "$out/all.yaml"; then fail "$s" "the chart renders a Secret"; fi
	for f in "$out/deploy.yaml" "$out/job.yaml"; do
		# Each secret setting must be followed by valueFrom (a secretKeyRef), never by value.
		if grep -A1 -E '^ +- name: SNAPBRIDGE_(DATABASE_URL|REDIS_URL|OPERATOR_KEY|ENCRYPTION_KEYS|SESSION_KEY)$' "$f" |
			grep -qE '^ +value:'; then
			fail "$s" "a secret setting is passed as a value in $(basename "$f")"
		fi
		must "$s" "$f" '^ +- name: SNAPBRIDGE_DATABASE_URL$' "no SNAPBRIDGE_DATABASE_URL"
		grep -A3 -E '^ +- name: SNAPBRIDGE_DATABASE_URL$' "$f" | grep -qE '^ +secretKeyRef:$' ||
			fail "$s" "SNAPBRIDGE_DATABASE_URL is not read from a Secret in $(basename "$f")"
		must "$s" "$f" '^ +value: /etc/snapbridge/keys/encryption-keys$' "the encryption keys are not a mounted file"
		must "$s" "$f" '^ +value: /etc/snapbridge/keys/session-key$' "the session key is not a mounted file"
	done
	if grep -nE '(postgres|postgresql|redis|rediss)://' "$out/all.yaml"; then fail "$s" "a connection URL is rendered"; fi
done

must "production values" "$out/all.yaml" '^kind: HorizontalPodAutoscaler$' "no HorizontalPodAutoscaler"
# Metrics: their own port, scraped by a ServiceMonitor, never on the public port.
m="production values, metrics"
must "$m" "$out/all.yaml" '^kind: ServiceMonitor$' "no ServiceMonitor"
must "$m" "$out/deploy.yaml" '^ +containerPort: 9464$' "no metrics container port"
grep -A1 -E '^ +- name: SNAPBRIDGE_METRICS_ADDR$' "$out/deploy.yaml" | grep -qE '^ +value: "0\.0\.0\.0:9464"$' ||
	fail "$m" "SNAPBRIDGE_METRICS_ADDR is not the metrics port"
if grep -qE 'SNAPBRIDGE_METRICS_ADDR' "$out/job.yaml"; then fail "$m" "the migration Job serves metrics"; fi
"$helm" template snapbridge "$chart" --kube-version "$kube" >"$out/default.yaml"
if grep -qE '^kind: ServiceMonitor$|SNAPBRIDGE_METRICS_ADDR' "$out/default.yaml"; then fail "default values" "metrics are on by default"; fi
if "$helm" template snapbridge "$chart" --kube-version "$kube" --set serviceMonitor.enabled=true >"$out/sm" 2>&1; then
	fail "serviceMonitor without metrics" "rendered instead of being refused"
fi
must "production values" "$out/all.yaml" '^kind: Ingress$' "no Ingress"
must "production values" "$out/all.yaml" '^ +secretName: "snapbridge-tls"$' "the Ingress has no TLS"

if "$helm" template snapbridge "$chart" --kube-version "$kube" --set config.settings.secrets.sessionKey=leak >"$out/leak" 2>&1; then
	fail "config.settings.secrets" "rendered instead of being refused"
fi
grep -q 'secrets do not belong in values' "$out/leak" || { cat "$out/leak" >&2; fail "config.settings.secrets" "refused for another reason"; }
echo "helm-check: the chart lints and renders with the default and the production values"
