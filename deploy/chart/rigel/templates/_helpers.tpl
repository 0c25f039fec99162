{{/*
Labels of every object: the base's app.kubernetes.io/name, and Helm's own.
*/}}
{{- define "rigel.labels" -}}
app.kubernetes.io/name: rigel
{{ include "rigel.helmLabels" . }}
{{- end }}

{{- define "rigel.helmLabels" -}}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
What the Service selects. Never change it: a Deployment's selector cannot be changed in place.
*/}}
{{- define "rigel.selectorLabels" -}}
app.kubernetes.io/name: rigel
{{- end }}

{{- define "rigel.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ required "image.tag is empty and the chart has no appVersion: set a tag or image.digest" (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{/*
Rigel's ServiceAccount, as an RBAC subject.
*/}}
{{- define "rigel.subject" -}}
- kind: ServiceAccount
  name: rigel
  namespace: {{ .Release.Namespace }}
{{- end }}

{{/*
The settings as RIGEL_* environment variables, in a fixed order. values.schema.json refuses
unknown keys. A number is written as an integer, permissions as "command=role,…", lists
comma-separated.
*/}}
{{- define "rigel.settingsEnv" -}}
{{- $names := dict
  "logLevel" "RIGEL_LOG_LEVEL"
  "githubAPIURL" "RIGEL_GITHUB_API_URL"
  "githubWebURL" "RIGEL_GITHUB_WEB_URL"
  "gitURL" "RIGEL_GIT_URL"
  "publicURL" "RIGEL_PUBLIC_URL"
  "diffConcurrency" "RIGEL_DIFF_CONCURRENCY"
  "workers" "RIGEL_WORKERS"
  "queueSize" "RIGEL_QUEUE_SIZE"
  "queueBytes" "RIGEL_QUEUE_BYTES"
  "applyWait" "RIGEL_APPLY_WAIT"
  "hookTimeout" "RIGEL_HOOK_TIMEOUT"
  "permissions" "RIGEL_PERMISSIONS"
  "requireApproval" "RIGEL_REQUIRE_APPROVAL"
  "requireMergeable" "RIGEL_REQUIRE_MERGEABLE"
  "allowForkApply" "RIGEL_ALLOW_FORK_APPLY"
  "allowForkPreview" "RIGEL_ALLOW_FORK_PREVIEW"
  "autoplanDrafts" "RIGEL_AUTOPLAN_DRAFTS"
  "refuseMergeableStates" "RIGEL_REFUSE_MERGEABLE_STATES"
  "mergeableRetryWait" "RIGEL_MERGEABLE_RETRY_WAIT"
  "commandRate" "RIGEL_COMMAND_RATE"
  "leaseDuration" "RIGEL_LEASE_DURATION"
  "shutdownGrace" "RIGEL_SHUTDOWN_GRACE"
  "driftInterval" "RIGEL_DRIFT_INTERVAL"
  "syncHistory" "RIGEL_SYNC_HISTORY"
  "notifyDeployments" "RIGEL_NOTIFY_DEPLOYMENTS"
  "notifyWebhookSecret" "RIGEL_NOTIFY_WEBHOOK_SECRET"
  "notifyWebhookKey" "RIGEL_NOTIFY_WEBHOOK_KEY"
  "pollInterval" "RIGEL_POLL_INTERVAL"
  "cacheMax" "RIGEL_CACHE_MAX"
  "redeliverEvery" "RIGEL_REDELIVER_EVERY"
  "redeliverRate" "RIGEL_REDELIVER_RATE"
  "fixIssues" "RIGEL_FIX_ISSUES"
  "fixLabel" "RIGEL_FIX_LABEL"
  "modelURL" "RIGEL_MODEL_URL"
  "modelName" "RIGEL_MODEL_NAME"
  "modelTimeout" "RIGEL_MODEL_TIMEOUT" -}}
{{- $order := list "logLevel" "githubAPIURL" "githubWebURL" "gitURL" "publicURL" "diffConcurrency" "workers" "queueSize" "queueBytes" "applyWait" "hookTimeout" "permissions" "requireApproval" "requireMergeable" "allowForkApply" "allowForkPreview" "autoplanDrafts" "refuseMergeableStates" "mergeableRetryWait" "commandRate" "leaseDuration" "shutdownGrace" "driftInterval" "syncHistory" "notifyDeployments" "notifyWebhookSecret" "notifyWebhookKey" "pollInterval" "cacheMax" "redeliverEvery" "redeliverRate" "fixIssues" "fixLabel" "modelURL" "modelName" "modelTimeout" -}}
{{- $settings := .Values.settings | default dict -}}
{{- range $key := $order }}
{{- if hasKey $settings $key }}
{{- $v := get $settings $key }}
{{- if not (kindIs "invalid" $v) }}
{{- if kindIs "map" $v }}
{{- $pairs := list }}
{{- range $cmd, $role := $v }}
{{- $pairs = append $pairs (printf "%s=%s" $cmd $role) }}
{{- end }}
{{- $v = join "," $pairs }}
{{- else if kindIs "slice" $v }}
{{- $v = join "," $v | default "none" }}
{{- else if or (kindIs "float64" $v) (kindIs "int64" $v) (kindIs "int" $v) }}
{{- $v = int64 $v }}
{{- end }}
- name: {{ get $names $key }}
  value: {{ toString $v | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- with $settings.defaultPolicy }}
{{- with .namespaces }}
- name: RIGEL_DEFAULT_NAMESPACES
  value: {{ join "," . | quote }}
{{- end }}
{{- if hasKey . "clusterScoped" }}
- name: RIGEL_DEFAULT_CLUSTER_SCOPED
  value: {{ toString .clusterScoped | quote }}
{{- end }}
{{- with .refusedKinds }}
- name: RIGEL_DEFAULT_REFUSED_KINDS
  value: {{ join "," . | quote }}
{{- end }}
{{- with .refusedSyncOptions }}
- name: RIGEL_DEFAULT_REFUSED_SYNC_OPTIONS
  value: {{ join "," . | quote }}
{{- end }}
{{- if hasKey . "namespaceObjects" }}
- name: RIGEL_DEFAULT_NAMESPACE_OBJECTS
  value: {{ toString .namespaceObjects | quote }}
{{- end }}
{{- if hasKey . "allowEscalation" }}
- name: RIGEL_DEFAULT_ALLOW_ESCALATION
  value: {{ toString .allowEscalation | quote }}
{{- end }}
{{- end }}
{{- with $settings.protectedNamespaces }}
- name: RIGEL_PROTECTED_NAMESPACES
  value: {{ join "," . | quote }}
{{- end }}
{{- with $settings.helmRepositories }}
- name: RIGEL_HELM_REPOSITORIES
  value: {{ join "," . | quote }}
{{- end }}
{{- if $settings.helmCAConfigMap }}
- name: RIGEL_HELM_CA_FILE
  value: /etc/rigel/helm-ca/ca.crt
{{- end }}
{{- if $settings.helmCredentialsSecret }}
- name: RIGEL_HELM_CREDENTIALS_FILE
  value: /etc/rigel/helm-credentials/config.json
{{- end }}
{{- if $settings.modelKeySecret }}
- name: RIGEL_MODEL_KEY_FILE
  value: /etc/rigel/model/key
{{- end }}
- name: RIGEL_OWN_CLUSTER_ROLES
  value: {{ printf "%s,%s,%s,%s" .Values.rbac.deployerName .Values.rbac.readerName .Values.rbac.prunerName .Values.rbac.hooksName | quote }}
{{- end }}

{{/*
The CA bundle and the credentials of chart sources (settings.helmCAConfigMap,
settings.helmCredentialsSecret), mounted read-only where RIGEL_HELM_CA_FILE and
RIGEL_HELM_CREDENTIALS_FILE point. Rigel reads them at each fetch: a rotation needs no restart.
*/}}
{{- define "rigel.helmFetchMounts" -}}
{{- $settings := .Values.settings | default dict -}}
{{- if $settings.helmCAConfigMap }}
- name: helm-ca
  mountPath: /etc/rigel/helm-ca
  readOnly: true
{{- end }}
{{- if $settings.helmCredentialsSecret }}
- name: helm-credentials
  mountPath: /etc/rigel/helm-credentials
  readOnly: true
{{- end }}
{{- end }}

{{- define "rigel.helmFetchVolumes" -}}
{{- $settings := .Values.settings | default dict -}}
{{- with $settings.helmCAConfigMap }}
- name: helm-ca
  configMap:
    name: {{ . }}
    items:
      - key: ca.crt
        path: ca.crt
{{- end }}
{{- with $settings.helmCredentialsSecret }}
- name: helm-credentials
  secret:
    secretName: {{ . }}
    defaultMode: 0400
    items:
      - key: .dockerconfigjson
        path: config.json
{{- end }}
{{- end }}

{{/*
The key of the optional model of /rigel fix (settings.modelKeySecret, its key "key"), mounted
read-only where RIGEL_MODEL_KEY_FILE points; read at each request, so a rotation needs no restart.
*/}}
{{- define "rigel.modelMounts" -}}
{{- $settings := .Values.settings | default dict -}}
{{- if $settings.modelKeySecret }}
- name: model-key
  mountPath: /etc/rigel/model
  readOnly: true
{{- end }}
{{- end }}

{{- define "rigel.modelVolumes" -}}
{{- $settings := .Values.settings | default dict -}}
{{- with $settings.modelKeySecret }}
- name: model-key
  secret:
    secretName: {{ . }}
    defaultMode: 0400
    items:
      - key: key
        path: key
{{- end }}
{{- end }}
