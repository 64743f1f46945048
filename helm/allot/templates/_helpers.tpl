{{/* Names ------------------------------------------------------------------------------------ */}}

{{- define "allot.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "allot.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* "<fullname>-<component>", within the 63 characters of a DNS label. Call with (list . "web"). */}}
{{- define "allot.componentName" -}}
{{- $root := index . 0 -}}
{{- $component := index . 1 -}}
{{- printf "%s-%s" (include "allot.fullname" $root | trunc (int (sub 62 (len $component))) | trimSuffix "-") $component -}}
{{- end -}}

{{- define "allot.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels ----------------------------------------------------------------------------------- */}}

{{- define "allot.labels" -}}
helm.sh/chart: {{ include "allot.chart" . }}
app.kubernetes.io/name: {{ include "allot.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: allot
{{- end -}}

{{/* Call with (list . "web"). */}}
{{- define "allot.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ include "allot.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{/* Call with (list . "web"). */}}
{{- define "allot.componentLabels" -}}
{{ include "allot.labels" (index . 0) }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{/* Configuration ---------------------------------------------------------------------------- */}}

{{- define "allot.rootDomain" -}}
{{- $domain := required "rootDomain is required: tenants are served on <slug>.<rootDomain>, platform staff on <rootDomain>" .Values.rootDomain | lower | trimSuffix "." -}}
{{- if or (contains "://" $domain) (contains "/" $domain) (hasPrefix "*" $domain) (hasPrefix "." $domain) -}}
{{- fail (printf "rootDomain must be a bare host name such as book.example.com, got %q" .Values.rootDomain) -}}
{{- end -}}
{{- $domain -}}
{{- end -}}

{{/* "1" or "0" for a boolean value (true, "true", 1, "yes", "on" are true). */}}
{{- define "allot.flag" -}}
{{- ternary "1" "0" (has (toString . | lower) (list "true" "1" "yes" "on")) -}}
{{- end -}}

{{- define "allot.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag | toString) -}}
{{- end -}}

{{/* The Secret every pod reads: the one this chart renders, or existingSecret. */}}
{{- define "allot.secretName" -}}
{{- default (include "allot.fullname" .) .Values.existingSecret -}}
{{- end -}}

{{/* Non-secret environment (ConfigMap data). The app reads each of these; see values.yaml. */}}
{{- define "allot.configData" -}}
ALLOT_ROOT_DOMAIN: {{ include "allot.rootDomain" . | quote }}
DEBUG: {{ include "allot.flag" .Values.config.debug | quote }}
ALLOWED_HOSTS: {{ .Values.config.allowedHosts | toString | quote }}
CSRF_TRUSTED_ORIGINS: {{ .Values.config.csrfTrustedOrigins | toString | quote }}
DEFAULT_FROM_EMAIL: {{ .Values.config.defaultFromEmail | default (printf "Allot <no-reply@%s>" (include "allot.rootDomain" .)) | quote }}
SENTRY_ENVIRONMENT: {{ required "config.sentryEnvironment must not be empty" .Values.config.sentryEnvironment | toString | quote }}
ALLOT_REDIS_NAMESPACE: {{ required "config.redisNamespace must not be empty" .Values.config.redisNamespace | toString | quote }}
DATABASE_CONN_MAX_AGE: {{ .Values.config.databaseConnMaxAge | toString | quote }}
LOG_LEVEL: {{ required "config.logLevel must not be empty" .Values.config.logLevel | toString | upper | quote }}
{{- if not (has (.Values.config.logFormat | toString) (list "plain" "json")) }}
{{- fail "config.logFormat must be plain or json" }}
{{- end }}
LOG_FORMAT: {{ .Values.config.logFormat | toString | quote }}
ALLOT_HEARTBEAT_SECONDS: {{ .Values.heartbeat.intervalSeconds | toString | quote }}
ALLOT_PRIVATE_STORAGE_DIR: "/app/private"
SECURE_SSL_REDIRECT: {{ include "allot.flag" .Values.config.secureSslRedirect | quote }}
STRIPE_PUBLISHABLE_KEY: {{ .Values.config.stripePublishableKey | toString | quote }}
STRIPE_PRICE_STARTER: {{ .Values.config.stripePriceStarter | toString | quote }}
STRIPE_PRICE_PRO: {{ .Values.config.stripePricePro | toString | quote }}
ALLOT_TRUSTED_PROXY_COUNT: {{ .Values.config.trustedProxyCount | toString | quote }}
WEB_CONCURRENCY: {{ .Values.web.concurrency | toString | quote }}
ALLOT_WORKER_PROCESSES: {{ .Values.worker.processes | toString | quote }}
ALLOT_WORKER_THREADS: {{ .Values.worker.threads | toString | quote }}
ALLOT_PUBLIC_SCHEME: {{ .Values.config.publicScheme | toString | quote }}
ALLOT_OUTBOX_TENANT_INFLIGHT: {{ .Values.outbox.tenantInflight | toString | quote }}
ALLOT_OUTBOX_BATCH_SIZE: {{ .Values.outbox.batchSize | toString | quote }}
ALLOT_OUTBOX_LEASE_SECONDS: {{ .Values.outbox.leaseSeconds | toString | quote }}
ALLOT_OUTBOX_RETRY_BASE_SECONDS: {{ .Values.outbox.retryBaseSeconds | toString | quote }}
{{- range $name, $value := .Values.config.extra }}
{{ $name }}: {{ $value | toString | quote }}
{{- end }}
{{- end -}}

{{/* Secret environment (Secret data, base64). */}}
{{- define "allot.secretData" -}}
{{- $secrets := .Values.secrets -}}
{{- $databaseUrl := required "secrets.databaseUrl (DATABASE_URL) is required, or set existingSecret" $secrets.databaseUrl -}}
{{- if not (regexMatch "^(postgres|postgresql|pgsql)://" $databaseUrl) -}}
{{- fail "secrets.databaseUrl must be a postgresql:// URL" -}}
{{- end -}}
{{- $redisUrl := required "secrets.redisUrl (REDIS_URL) is required, or set existingSecret" $secrets.redisUrl -}}
{{- $secretKey := required "secrets.secretKey (SECRET_KEY) is required, or set existingSecret" $secrets.secretKey -}}
{{- if lt (len $secretKey) 50 -}}
{{- fail "secrets.secretKey must be at least 50 characters" -}}
{{- end -}}
DATABASE_URL: {{ $databaseUrl | b64enc | quote }}
REDIS_URL: {{ $redisUrl | b64enc | quote }}
SECRET_KEY: {{ $secretKey | b64enc | quote }}
EMAIL_URL: {{ $secrets.emailUrl | default "console://" | b64enc | quote }}
SENTRY_DSN: {{ $secrets.sentryDsn | toString | b64enc | quote }}
STRIPE_SECRET_KEY: {{ $secrets.stripeSecretKey | toString | b64enc | quote }}
STRIPE_WEBHOOK_SECRET: {{ $secrets.stripeWebhookSecret | toString | b64enc | quote }}
STRIPE_BILLING_WEBHOOK_SECRET: {{ $secrets.stripeBillingWebhookSecret | toString | b64enc | quote }}
ALLOT_ENCRYPTION_KEY: {{ $secrets.encryptionKey | toString | b64enc | quote }}
ALLOT_METRICS_TOKEN: {{ $secrets.metricsToken | toString | b64enc | quote }}
{{- end -}}

{{/* Pods ------------------------------------------------------------------------------------- */}}

{{/* Pod template annotations that change when the configuration does, so pods roll. */}}
{{- define "allot.configChecksums" -}}
checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
checksum/secret: {{ include (print .Template.BasePath "/secret.yaml") . | sha256sum }}
{{- end -}}

{{/* envFrom of every app container. Call with (list . "<configmap name>" "<secret name>"). */}}
{{- define "allot.envFrom" -}}
- configMapRef:
    name: {{ index . 1 }}
- secretRef:
    name: {{ index . 2 }}
{{- end -}}

{{/* Settings shared by every pod spec. Call with (list . <component values>). */}}
{{- define "allot.podCommon" -}}
{{- $root := index . 0 -}}
{{- $component := index . 1 -}}
automountServiceAccountToken: false
# A Service named e.g. "allot" would otherwise inject ALLOT_PORT=tcp://..., which the app reads.
enableServiceLinks: false
{{- with $root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml $root.Values.podSecurityContext | nindent 2 }}
{{- with $component.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $component.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $component.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "allot.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmp.sizeLimit }}
{{- end -}}

{{- define "allot.privateClaimName" -}}
{{- .Values.privateStorage.existingClaim | default (printf "%s-private" (include "allot.fullname" .)) -}}
{{- end -}}

{{- define "allot.privateVolume" -}}
- name: private
  persistentVolumeClaim:
    claimName: {{ include "allot.privateClaimName" . }}
{{- end -}}

{{- define "allot.mediaVolume" -}}
- name: media
{{- if .Values.media.existingClaim }}
  persistentVolumeClaim:
    claimName: {{ .Values.media.existingClaim }}
{{- else }}
  emptyDir:
    sizeLimit: {{ .Values.media.sizeLimit }}
{{- end }}
{{- end -}}
