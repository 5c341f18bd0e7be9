{{/*
django.name is the chart name, or nameOverride; cut to 63 characters because it becomes a label value.
*/}}
{{- define "django.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
django.fullname is the base name of every resource: fullnameOverride, else "<release>-<name>"
(just "<release>" when the release name already contains the chart name). Cut to 63 characters,
the longest DNS label some resource names must be.
*/}}
{{- define "django.fullname" -}}
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

{{/*
django.componentName is fullname plus a suffix (dict "root" $ "suffix" "migrate"), with fullname
cut first so the suffix always survives the 63-character limit.
*/}}
{{- define "django.componentName" -}}
{{- $base := include "django.fullname" .root | trunc (int (sub 62 (len .suffix))) | trimSuffix "-" }}
{{- printf "%s-%s" $base .suffix }}
{{- end }}

{{/*
django.chart is "<name>-<version>" for the helm.sh/chart label.
*/}}
{{- define "django.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
django.labels are the common labels on every resource.
*/}}
{{- define "django.labels" -}}
helm.sh/chart: {{ include "django.chart" . }}
{{ include "django.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: eks-platform
{{- end }}

{{/*
django.selectorLabels identify every pod of the release (app, migration, test); the NetworkPolicy
selects on them. They are immutable in a Deployment selector, so they never change between versions.
*/}}
{{- define "django.selectorLabels" -}}
app.kubernetes.io/name: {{ include "django.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
django.webSelectorLabels pick only the app (web) pods: Deployment, Service, PDB and zone spread use
them so the migration and test pods never receive traffic or count towards availability.
*/}}
{{- define "django.webSelectorLabels" -}}
{{ include "django.selectorLabels" . }}
app.kubernetes.io/component: web
{{- end }}

{{/*
django.serviceAccountName is the ServiceAccount the pods run as: serviceAccount.name, else fullname
when the chart creates it, else "default".
*/}}
{{- define "django.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "django.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
django.secretName is the Secret the pods load: secret.existingSecret, else the one the chart creates.
*/}}
{{- define "django.secretName" -}}
{{- default (include "django.fullname" .) .Values.secret.existingSecret }}
{{- end }}

{{/*
django.image is repository:tag, plus @digest when image.digest pins the exact build.
*/}}
{{- define "django.image" -}}
{{- printf "%s:%s" .Values.image.repository .Values.image.tag }}
{{- with .Values.image.digest }}@{{ . }}{{ end }}
{{- end }}

{{/*
django.configData is the ConfigMap's data as YAML: django.generatedConfig plus config.extraEnv. The
ConfigMap renders it and the helm test reads its keys, so the test checks exactly what the
ConfigMap holds.
*/}}
{{- define "django.configData" -}}
{{ include "django.generatedConfig" . }}
{{- range $name, $value := .Values.config.extraEnv }}
{{ $name }}: {{ $value | quote }}
{{- end }}
{{- end }}

{{/*
django.generatedConfig is the part of the ConfigMap the chart derives from its own values,
including the seed's two patterns: a prod-only SENTRY__DSN and one WEB__CROSS_ORIGIN__<n> per origin.
*/}}
{{- define "django.generatedConfig" -}}
DJANGO_SETTINGS_MODULE: {{ .Values.config.djangoSettingsModule | quote }}
DEBUG: {{ .Values.config.debug | toString | quote }}
{{- $hosts := .Values.config.allowedHosts | default list }}
{{- if .Values.ingress.enabled }}
{{- range .Values.ingress.hosts }}
{{- $hosts = append $hosts .host }}
{{- end }}
{{- end }}
ALLOWED_HOSTS: {{ $hosts | uniq | join "," | quote }}
{{- /* Only a load balancer in front overwrites X-Forwarded-Proto: without the Ingress the app must not trust it. */}}
TRUST_X_FORWARDED_PROTO: {{ .Values.ingress.enabled | toString | quote }}
{{- if eq .Values.env "prod" }}
{{- with .Values.config.sentryDsn }}
SENTRY__DSN: {{ . | quote }}
{{- end }}
{{- end }}
WEB_CONCURRENCY: {{ .Values.config.webConcurrency | quote }}
{{- range $index, $origin := .Values.web.crossOrigins }}
WEB__CROSS_ORIGIN__{{ $index }}: {{ $origin | quote }}
{{- end }}
{{- end }}

{{/*
django.envFrom loads the ConfigMap and the Secret into a container's environment; the app, the
migration Job and the helm test all use it, so the test sees what the app sees.
*/}}
{{- define "django.envFrom" -}}
envFrom:
  - configMapRef:
      name: {{ include "django.fullname" . }}
  - secretRef:
      name: {{ include "django.secretName" . }}
{{- end }}

{{/*
django.podSecurityContext is the pod-level hardening shared by every pod of the chart.
*/}}
{{- define "django.podSecurityContext" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: {{ .Values.securityContext.runAsUser }}
  runAsGroup: {{ .Values.securityContext.runAsGroup }}
  fsGroup: {{ .Values.securityContext.runAsGroup }}
  seccompProfile:
    type: RuntimeDefault
{{- end }}

{{/*
django.containerSecurityContext is the container-level hardening shared by every container.
*/}}
{{- define "django.containerSecurityContext" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: {{ .Values.securityContext.runAsUser }}
  runAsGroup: {{ .Values.securityContext.runAsGroup }}
  allowPrivilegeEscalation: false
  privileged: false
  readOnlyRootFilesystem: true
  capabilities:
    drop:
      - ALL
  seccompProfile:
    type: RuntimeDefault
{{- end }}

{{/*
django.podCommon is the pod spec every pod of the chart shares: identity, hardening, placement.
Pods never mount an API token (the app does not talk to Kubernetes) nor get service-link env vars
(they would clutter the environment the helm test checks).
*/}}
{{- define "django.podCommon" -}}
serviceAccountName: {{ include "django.serviceAccountName" . }}
automountServiceAccountToken: false
enableServiceLinks: false
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- range . }}
  - name: {{ . }}
  {{- end }}
{{- end }}
{{ include "django.podSecurityContext" . }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/*
django.tmpVolume is the writable /tmp every container gets; the root filesystem is read-only.
*/}}
{{- define "django.tmpVolume" -}}
volumes:
  - name: tmp
    emptyDir:
      sizeLimit: 64Mi
{{- end }}

{{/*
django.tmpMount mounts django.tmpVolume at /tmp.
*/}}
{{- define "django.tmpMount" -}}
volumeMounts:
  - name: tmp
    mountPath: /tmp
{{- end }}

{{/*
django.validate fails the render with a message naming the key for combinations the schema cannot
express clearly. Included once, from the Deployment.
*/}}
{{- define "django.validate" -}}
{{- $s := .Values.secret }}
{{- if and $s.create $s.existingSecret }}
{{- fail "secret: set either secret.existingSecret (a Secret made elsewhere) or secret.create=true, not both" }}
{{- end }}
{{- if not (or $s.create $s.existingSecret) }}
{{- fail "secret: set secret.existingSecret to the name of a Secret holding SECRET_KEY and DATABASE_URL, or secret.create=true with secret.values" }}
{{- end }}
{{- if $s.create }}
{{- range $s.keys }}
{{- if not (hasKey ($s.values | default dict) .) }}
{{- fail (printf "secret.values.%s is missing: secret.create=true needs a value for every key in secret.keys" .) }}
{{- end }}
{{- end }}
{{- end }}
{{- $generated := include "django.generatedConfig" . | fromYaml }}
{{- range $name, $_ := .Values.config.extraEnv }}
{{- if has $name $s.keys }}
{{- fail (printf "config.extraEnv.%s: %s is a secret key (secret.keys); secrets never go into the ConfigMap" $name $name) }}
{{- end }}
{{- if or (hasKey $generated $name) (eq $name "SENTRY__DSN") (hasPrefix "WEB__CROSS_ORIGIN__" $name) }}
{{- fail (printf "config.extraEnv.%s: the chart sets %s from its own values (config.*, web.crossOrigins); set it there" $name $name) }}
{{- end }}
{{- end }}
{{- if and (not .Values.config.debug) (not (include "django.configData" . | fromYaml).ALLOWED_HOSTS) }}
{{- fail "config.allowedHosts: list at least one host (or enable the ingress) when config.debug is false; the app refuses every request otherwise" }}
{{- end }}
{{- if le (int .Values.terminationGracePeriodSeconds) (int .Values.preStopSleepSeconds) }}
{{- fail "terminationGracePeriodSeconds: must exceed preStopSleepSeconds, or the pod is killed before it shuts down" }}
{{- end }}
{{- if and (eq .Values.env "prod") .Values.config.debug }}
{{- fail "config.debug: must be false when env is prod (Django debug pages leak settings)" }}
{{- end }}
{{- if eq (get (.Values.nodeSelector | default dict) "node-group" | default "") "PROTO-INFERENCE-NG" }}
{{- fail "nodeSelector.node-group: PROTO-INFERENCE-NG is reserved for inference workloads; use system" }}
{{- end }}
{{- range .Values.tolerations }}
{{- if eq (.key | default "") "dedicated" "" }}
{{- fail (printf "tolerations: a toleration with key %q would admit the pods to PROTO-INFERENCE-NG (taint dedicated=proto-inference)" (.key | default "")) }}
{{- end }}
{{- end }}
{{- if and .Values.service.nodePort (ne .Values.service.type "NodePort") }}
{{- fail "service.nodePort: only used when service.type is NodePort" }}
{{- end }}
{{- with .Values.ingress }}
{{- if .enabled }}
{{- if not .hosts }}
{{- fail "ingress.hosts: list at least one host when ingress.enabled is true" }}
{{- end }}
{{- if and .tls.certificateArn (ne .className "alb") }}
{{- fail "ingress.tls.certificateArn: only for className alb; nginx takes ingress.tls.secretName" }}
{{- end }}
{{- if and .tls.secretName (ne .className "nginx") }}
{{- fail "ingress.tls.secretName: only for className nginx; alb takes ingress.tls.certificateArn" }}
{{- end }}
{{- end }}
{{- end }}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) }}
{{- fail "autoscaling.minReplicas: must not exceed autoscaling.maxReplicas" }}
{{- end }}
{{- end }}
