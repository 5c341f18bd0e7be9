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
{{- with include "django.previewHost" . }}
{{- $hosts = append $hosts . }}
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
{{- /* The reference app's metrics server (gunicorn master); 0 turns it off. */}}
METRICS_PORT: {{ ternary .Values.metrics.port 0 .Values.metrics.enabled | quote }}
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
express clearly. Included once, from the Deployment template (rendered for every strategy type).
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
{{- include "django.validateStrategy" . }}
{{- include "django.validateMetrics" . }}
{{- end }}

{{/*
django.validateMetrics refuses metrics settings that cannot work: a ServiceMonitor with no metrics
port to scrape, a metrics port that is the app's, and a Prometheus analysis whose queries would
find no series (the hash label comes from the ServiceMonitor's podTargetLabels).
*/}}
{{- define "django.validateMetrics" -}}
{{- $m := .Values.metrics }}
{{- if and $m.serviceMonitor.enabled (not $m.enabled) }}
{{- fail "metrics.serviceMonitor.enabled: needs metrics.enabled=true; the ServiceMonitor scrapes the pods' metrics port" }}
{{- end }}
{{- if and $m.enabled (eq (int $m.port) (int .Values.containerPort)) }}
{{- fail (printf "metrics.port: %d is containerPort; metrics need a port of their own, which the Service and the Ingress never carry" (int $m.port)) }}
{{- end }}
{{- if and (include "django.prometheusAnalysis" .) (not $m.serviceMonitor.enabled) }}
{{- fail "strategy.analysis.prometheus.enabled: needs metrics.serviceMonitor.enabled=true; the queries select the new pods by the rollouts_pod_template_hash label its podTargetLabels put on their series" }}
{{- end }}
{{- end }}

{{/*
django.webPodTemplate is the app (web) pod template, shared by the Deployment and the Argo Rollout so
both strategies run exactly the same pods: envFrom, probes, hardening, placement, checksums.
*/}}
{{- define "django.webPodTemplate" -}}
metadata:
  labels:
    {{- include "django.labels" . | nindent 4 }}
    app.kubernetes.io/component: web
  annotations:
    # A config change must restart the pods: envFrom is read only at container start.
    checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}
    {{- if .Values.secret.create }}
    checksum/secret: {{ include (print $.Template.BasePath "/secret.yaml") . | sha256sum }}
    {{- end }}
    {{- with .Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  {{- include "django.podCommon" . | nindent 2 }}
  {{- if .Values.topologySpread.enabled }}
  topologySpreadConstraints:
    - topologyKey: topology.kubernetes.io/zone
      maxSkew: {{ .Values.topologySpread.maxSkew }}
      whenUnsatisfiable: {{ .Values.topologySpread.whenUnsatisfiable }}
      labelSelector:
        matchLabels:
          {{- include "django.webSelectorLabels" . | nindent 10 }}
      # Count only the pods of the current ReplicaSet, so a rollout spreads the new pods too. A
      # Deployment's ReplicaSets label their pods pod-template-hash, a Rollout's rollouts-pod-template-hash.
      matchLabelKeys:
        - {{ if include "django.rollout" . }}rollouts-pod-template-hash{{ else }}pod-template-hash{{ end }}
  {{- end }}
  terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
  containers:
    - name: django
      image: {{ include "django.image" . | quote }}
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      ports:
        - name: http
          containerPort: {{ .Values.containerPort }}
          protocol: TCP
        {{- if .Values.metrics.enabled }}
        # Prometheus only: no Service but <fullname>-metrics, and no Ingress, points at it.
        - name: metrics
          containerPort: {{ .Values.metrics.port }}
          protocol: TCP
        {{- end }}
      {{- include "django.envFrom" . | nindent 6 }}
      {{- with .Values.probes }}
      startupProbe:
        httpGet:
          path: {{ .startup.path }}
          port: http
        periodSeconds: {{ .startup.periodSeconds }}
        timeoutSeconds: {{ .startup.timeoutSeconds }}
        failureThreshold: {{ .startup.failureThreshold }}
      readinessProbe:
        httpGet:
          path: {{ .readiness.path }}
          port: http
        periodSeconds: {{ .readiness.periodSeconds }}
        timeoutSeconds: {{ .readiness.timeoutSeconds }}
        failureThreshold: {{ .readiness.failureThreshold }}
      livenessProbe:
        httpGet:
          path: {{ .liveness.path }}
          port: http
        periodSeconds: {{ .liveness.periodSeconds }}
        timeoutSeconds: {{ .liveness.timeoutSeconds }}
        failureThreshold: {{ .liveness.failureThreshold }}
      {{- end }}
      {{- if .Values.preStopSleepSeconds }}
      lifecycle:
        preStop:
          sleep:
            seconds: {{ .Values.preStopSleepSeconds }}
      {{- end }}
      resources:
        {{- toYaml .Values.resources | nindent 8 }}
      {{- include "django.containerSecurityContext" . | nindent 6 }}
      {{- include "django.tmpMount" . | nindent 6 }}
  {{- include "django.tmpVolume" . | nindent 2 }}
{{- end }}

{{/*
django.rollout is "true" when strategy.type is BlueGreen or Canary: an Argo Rollouts Rollout then
runs the app pods instead of the Deployment (argoproj.io/v1alpha1; the controller and its CRDs must
be installed in the cluster). Empty otherwise, so `if include "django.rollout" .` reads naturally.
*/}}
{{- define "django.rollout" -}}
{{- if has .Values.strategy.type (list "BlueGreen" "Canary") }}true{{ end }}
{{- end }}

{{/*
django.previewServiceName is the BlueGreen preview Service: the new version before promotion.
*/}}
{{- define "django.previewServiceName" -}}
{{- include "django.componentName" (dict "root" . "suffix" "preview") }}
{{- end }}

{{/*
django.canaryServiceName is the Canary Service: the canary pods only (the main Service is the stable one).
*/}}
{{- define "django.canaryServiceName" -}}
{{- include "django.componentName" (dict "root" . "suffix" "canary") }}
{{- end }}

{{/*
django.smokeTemplateName is the AnalysisTemplate both Argo strategies run against the new version.
*/}}
{{- define "django.smokeTemplateName" -}}
{{- include "django.componentName" (dict "root" . "suffix" "smoke") }}
{{- end }}

{{/*
django.metricsServiceName is the headless Service the ServiceMonitor discovers the app pods through.
*/}}
{{- define "django.metricsServiceName" -}}
{{- include "django.componentName" (dict "root" . "suffix" "metrics") }}
{{- end }}

{{/*
django.prometheusTemplateName is the AnalysisTemplate that asks Prometheus about the new pods.
*/}}
{{- define "django.prometheusTemplateName" -}}
{{- include "django.componentName" (dict "root" . "suffix" "prometheus") }}
{{- end }}

{{/*
django.prometheusAnalysis is "true" when the Argo strategies' analysis also queries Prometheus:
strategy.analysis.prometheus.enabled under BlueGreen or Canary. Empty otherwise.
*/}}
{{- define "django.prometheusAnalysis" -}}
{{- if and (include "django.rollout" .) .Values.strategy.analysis.prometheus.enabled }}true{{ end }}
{{- end }}

{{/*
django.newPodsSelector is the PromQL label matchers of the new version's series: this release's
metrics Service (job) in its namespace, and the pod-template hash Argo passes as the
pod-template-hash argument (podTemplateHashValue: Latest).
*/}}
{{- define "django.newPodsSelector" -}}
{{- printf "namespace=%q, job=%q, rollouts_pod_template_hash=%q" .Release.Namespace (include "django.metricsServiceName" .) "{{args.pod-template-hash}}" }}
{{- end }}

{{/*
django.analysisArgs are the arguments both Argo strategies pass to their analysis templates: the
Service the smoke test calls, and, with the Prometheus analysis, the new ReplicaSet's hash.
*/}}
{{- define "django.analysisArgs" -}}
- name: service-name
  value: {{ .service }}
{{- if include "django.prometheusAnalysis" .root }}
- name: pod-template-hash
  valueFrom:
    # The ReplicaSet being introduced: the canary's, or BlueGreen's preview.
    podTemplateHashValue: Latest
{{- end }}
{{- end }}

{{/*
django.analysisTemplates are the templates both Argo strategies run: the smoke test, and the
Prometheus one when enabled.
*/}}
{{- define "django.analysisTemplates" -}}
- templateName: {{ include "django.smokeTemplateName" . }}
{{- if include "django.prometheusAnalysis" . }}
- templateName: {{ include "django.prometheusTemplateName" . }}
{{- end }}
{{- end }}

{{/*
django.previewHost is the Ingress host of the BlueGreen preview Service: strategy.blueGreen.previewHost,
else "preview." plus the first ingress host. Empty unless the type is BlueGreen and the Ingress is on.
*/}}
{{- define "django.previewHost" -}}
{{- if and (eq .Values.strategy.type "BlueGreen") .Values.ingress.enabled .Values.ingress.hosts }}
{{- .Values.strategy.blueGreen.previewHost | default (printf "preview.%s" (first .Values.ingress.hosts).host) }}
{{- end }}
{{- end }}

{{/*
django.albCanary is "true" when the Canary shifts traffic with the ALB (Argo's trafficRouting.alb):
type Canary with the Ingress on and className alb. Otherwise a canary's weight is its share of pods.
*/}}
{{- define "django.albCanary" -}}
{{- if and (eq .Values.strategy.type "Canary") .Values.ingress.enabled (eq .Values.ingress.className "alb") }}true{{ end }}
{{- end }}

{{/*
django.canarySteps are strategy.canary.steps, or the default: 10% -> wait for a promote -> 50% for
5 minutes -> 100%.
*/}}
{{- define "django.canarySteps" -}}
{{- $default := list (dict "setWeight" 10) (dict "pause" dict) (dict "setWeight" 50) (dict "pause" (dict "duration" "5m")) (dict "setWeight" 100) }}
{{- toYaml (.Values.strategy.canary.steps | default $default) }}
{{- end }}

{{/*
django.canaryAnalysisStart is the step index the canary's background analysis starts at: the step
after the first setWeight above 0, when the canary pods exist and the canary Service has endpoints
(earlier, the smoke test would find nothing to call and abort every canary).
*/}}
{{- define "django.canaryAnalysisStart" -}}
{{- $steps := include "django.canarySteps" . | fromYamlArray }}
{{- $start := -1 }}
{{- range $i, $step := $steps }}
{{- if and (lt $start 0) (gt (int (get $step "setWeight" | default 0)) 0) }}
{{- $start = $i }}
{{- end }}
{{- end }}
{{- min (add $start 1) (sub (len $steps) 1) }}
{{- end }}

{{/*
django.validateStrategy refuses strategy options the chosen strategy.type would silently ignore,
naming the key, its type and what is allowed. strategy.rollingUpdate, strategy.analysis and the
promotion settings of strategy.blueGreen have defaults (the environment files preset the latter per
environment), so they stay inert under other types; strategy.canary.steps and
strategy.blueGreen.previewHost have none, so setting them under another type is a mistake.
*/}}
{{- define "django.validateStrategy" -}}
{{- $s := .Values.strategy }}
{{- range $key, $value := $s.canary }}
{{- if and $value (ne $s.type "Canary") }}
{{- fail (printf "strategy.canary.%s: only used when strategy.type is Canary, but strategy.type is %s; remove it or set strategy.type=Canary" $key $s.type) }}
{{- end }}
{{- end }}
{{- $bg := $s.blueGreen }}
{{- if and $bg.previewHost (ne $s.type "BlueGreen") }}
{{- fail (printf "strategy.blueGreen.previewHost: only used when strategy.type is BlueGreen, but strategy.type is %s; remove it or set strategy.type=BlueGreen" $s.type) }}
{{- end }}
{{- if and $bg.previewHost (not .Values.ingress.enabled) }}
{{- fail (printf "strategy.blueGreen.previewHost: %q needs ingress.enabled=true (the preview gets an Ingress beside the chart's); without the Ingress reach the preview with kubectl port-forward" $bg.previewHost) }}
{{- end }}

{{- if and (gt (int $bg.autoPromotionSeconds) 0) (not $bg.autoPromotionEnabled) }}
{{- fail (printf "strategy.blueGreen.autoPromotionSeconds: %d is only used when strategy.blueGreen.autoPromotionEnabled is true; set it to 0 or enable auto-promotion" (int $bg.autoPromotionSeconds)) }}
{{- end }}
{{- $preview := include "django.previewHost" . }}
{{- if $preview }}
{{- range .Values.ingress.hosts }}
{{- if eq .host $preview }}
{{- fail (printf "strategy.blueGreen.previewHost: %q is also in ingress.hosts; the preview needs a host of its own, or live traffic would reach the unpromoted version" $preview) }}
{{- end }}
{{- end }}
{{- if and (eq .Values.ingress.className "alb") .Values.ingress.tls.certificateArn (not $bg.previewIngress.certificateArn) }}
{{- fail (printf "strategy.blueGreen.previewIngress.certificateArn: required: the preview host %q has an ALB of its own, which must serve HTTPS as the main one does, with an ACM certificate naming %q (the main certificate names ingress.hosts)" $preview $preview) }}
{{- end }}
{{- end }}
{{- if eq $s.type "Canary" }}
{{- $positive := false }}
{{- range (include "django.canarySteps" . | fromYamlArray) }}
{{- if gt (int (get . "setWeight" | default 0)) 0 }}{{ $positive = true }}{{ end }}
{{- end }}
{{- if not $positive }}
{{- fail "strategy.canary.steps: list at least one setWeight step above 0; otherwise the canary never receives traffic and its analysis has nothing to check" }}
{{- end }}
{{- end }}
{{- end }}
