{{/* The chart name, or nameOverride. */}}
{{- define "snapbridge.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The full name of the release's resources: fullnameOverride, else
<release>-<name>, or just the release name when it already contains the name.
*/}}
{{- define "snapbridge.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* chart-version, for the helm.sh/chart label. */}}
{{- define "snapbridge.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every resource. */}}
{{- define "snapbridge.labels" -}}
helm.sh/chart: {{ include "snapbridge.chart" . }}
{{ include "snapbridge.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Labels that select the instances; they never change across upgrades. */}}
{{- define "snapbridge.selectorLabels" -}}
app.kubernetes.io/name: {{ include "snapbridge.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The ServiceAccount the instances run as. */}}
{{- define "snapbridge.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "snapbridge.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The image reference: repository@digest, else repository:tag. */}}
{{- define "snapbridge.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{/*
The public URL: config.publicUrl, else derived from the first ingress host
(https when that host has TLS), else empty (the server's own default).
*/}}
{{- define "snapbridge.publicUrl" -}}
{{- if .Values.config.publicUrl }}
{{- .Values.config.publicUrl | trimSuffix "/" }}
{{- else if and .Values.ingress.enabled .Values.ingress.hosts }}
{{- $host := (first .Values.ingress.hosts).host }}
{{- $tls := false }}
{{- range .Values.ingress.tls }}
{{- if has $host .hosts }}{{ $tls = true }}{{ end }}
{{- end }}
{{- printf "%s://%s" (ternary "https" "http" $tls) $host }}
{{- end }}
{{- end }}

{{/*
The settings ConfigMap is rendered when config.settings is not empty; it
may not carry secrets, which belong in existing Secrets.
*/}}
{{- define "snapbridge.settingsConfigMap" -}}
{{- if .Values.config.settings }}
{{- range $forbidden := list "secrets" "operatorKey" "tenants" }}
{{- if hasKey $.Values.config.settings $forbidden }}
{{- fail (printf "config.settings.%s: secrets do not belong in values; name an existing Secret (secrets.*, configFile.existingSecret) instead" $forbidden) }}
{{- end }}
{{- end }}
{{- if or .Values.configFile.existingSecret .Values.configFile.existingConfigMap }}
{{- fail "config.settings and configFile both give a configuration file: use one" }}
{{- end }}
{{- printf "%s-config" (include "snapbridge.fullname" .) }}
{{- end }}
{{- end }}

{{/*
The environment of the instances and of the migration Job: plain settings,
then the Secrets by reference. Pass (dict "ctx" . "job" true) for the Job.
*/}}
{{- define "snapbridge.env" -}}
{{- $ := .ctx -}}
{{- $v := $.Values -}}
- name: SNAPBRIDGE_ADDR
  value: "0.0.0.0:8080"
- name: SNAPBRIDGE_LOG_LEVEL
  value: {{ $v.config.logLevel | quote }}
{{- if and $v.metrics.enabled (not .job) }}
- name: SNAPBRIDGE_METRICS_ADDR
  value: {{ printf "0.0.0.0:%v" $v.metrics.port | quote }}
{{- end }}
{{- with include "snapbridge.publicUrl" $ }}
- name: SNAPBRIDGE_PUBLIC_URL
  value: {{ . | quote }}
{{- end }}
{{- if or $v.configFile.existingSecret $v.configFile.existingConfigMap (and (not .job) (include "snapbridge.settingsConfigMap" $)) }}
- name: SNAPBRIDGE_CONFIG
  value: {{ printf "/etc/snapbridge/config/%s" $v.configFile.key | quote }}
{{- end }}
- name: SNAPBRIDGE_ENCRYPTION_KEYS_FILE
  value: /etc/snapbridge/keys/encryption-keys
- name: SNAPBRIDGE_SESSION_KEY_FILE
  value: /etc/snapbridge/keys/session-key
- name: SNAPBRIDGE_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ required "secrets.database.secretName: the instances share one PostgreSQL; name the Secret holding its URL" $v.secrets.database.secretName | quote }}
      key: {{ $v.secrets.database.key | quote }}
{{- with $v.secrets.redis.secretName }}
- name: SNAPBRIDGE_REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ . | quote }}
      key: {{ $v.secrets.redis.key | quote }}
{{- end }}
{{- with $v.secrets.operatorKey.secretName }}
- name: SNAPBRIDGE_OPERATOR_KEY
  valueFrom:
    secretKeyRef:
      name: {{ . | quote }}
      key: {{ $v.secrets.operatorKey.key | quote }}
{{- end }}
{{- with $v.config.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* The volume mounts matching snapbridge.volumes. Same argument as snapbridge.env. */}}
{{- define "snapbridge.volumeMounts" -}}
{{- $ := .ctx -}}
- name: keys
  mountPath: /etc/snapbridge/keys
  readOnly: true
{{- if or $.Values.configFile.existingSecret $.Values.configFile.existingConfigMap (and (not .job) (include "snapbridge.settingsConfigMap" $)) }}
- name: config
  mountPath: /etc/snapbridge/config
  readOnly: true
{{- end }}
{{- end }}

{{/* The volumes: the key files from their Secret and the configuration file. */}}
{{- define "snapbridge.volumes" -}}
{{- $ := .ctx -}}
{{- $v := $.Values -}}
- name: keys
  secret:
    secretName: {{ required "secrets.keys.secretName: name the Secret holding the encryption keys and the session key" $v.secrets.keys.secretName | quote }}
    defaultMode: 0400
    items:
      - key: {{ $v.secrets.keys.encryptionKeysKey | quote }}
        path: encryption-keys
      - key: {{ $v.secrets.keys.sessionKeyKey | quote }}
        path: session-key
{{- if $v.configFile.existingSecret }}
- name: config
  secret:
    secretName: {{ $v.configFile.existingSecret | quote }}
    defaultMode: 0400
    items:
      - key: {{ $v.configFile.key | quote }}
        path: {{ $v.configFile.key | quote }}
{{- else if $v.configFile.existingConfigMap }}
- name: config
  configMap:
    name: {{ $v.configFile.existingConfigMap | quote }}
    items:
      - key: {{ $v.configFile.key | quote }}
        path: {{ $v.configFile.key | quote }}
{{- else if and (not .job) (include "snapbridge.settingsConfigMap" $) }}
- name: config
  configMap:
    name: {{ include "snapbridge.settingsConfigMap" $ | quote }}
    items:
      - key: {{ $v.configFile.key | quote }}
        path: {{ $v.configFile.key | quote }}
{{- end }}
{{- end }}

{{/* Refuses value combinations that cannot work, saying why. */}}
{{- define "snapbridge.validate" -}}
{{- if and .Values.configFile.existingSecret .Values.configFile.existingConfigMap }}
{{- fail "configFile: set existingSecret or existingConfigMap, not both" }}
{{- end }}
{{- if and .Values.podDisruptionBudget.enabled (not .Values.autoscaling.enabled) (le (int .Values.replicaCount) (int .Values.podDisruptionBudget.minAvailable)) }}
{{- fail "podDisruptionBudget.minAvailable must be below replicaCount, or no node could ever be drained" }}
{{- end }}
{{- end }}
