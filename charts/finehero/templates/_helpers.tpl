{{/* The chart's name, overridable with nameOverride. */}}
{{- define "finehero.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name: <release>-finehero, or the release name alone if it contains the chart name. */}}
{{- define "finehero.fullname" -}}
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

{{- define "finehero.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "finehero.labels" -}}
helm.sh/chart: {{ include "finehero.chart" . }}
{{ include "finehero.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: finehero
{{- end }}

{{/* Labels that select the pods (never change them on upgrade: selectors are immutable). */}}
{{- define "finehero.selectorLabels" -}}
app.kubernetes.io/name: {{ include "finehero.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: server
{{- end }}

{{- define "finehero.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "finehero.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret holding the passwords: the user's existingSecret or the chart's own. */}}
{{- define "finehero.secretName" -}}
{{- default (include "finehero.fullname" .) .Values.existingSecret }}
{{- end }}

{{/*
"true" when the pod runs the embedded H2 database: no database.url and embedded: true. With neither,
rendering fails: production needs PostgreSQL.
*/}}
{{- define "finehero.embedded" -}}
{{- if .Values.database.url -}}
false
{{- else if .Values.database.embedded -}}
true
{{- else -}}
{{- fail "database.url is required (jdbc:postgresql://host:5432/finehero): production needs PostgreSQL. For a one-pod trial on embedded H2, set database.embedded=true instead." -}}
{{- end -}}
{{- end }}

{{/* Pods that run at the least: 1 in embedded mode, else minReplicas or replicaCount. */}}
{{- define "finehero.minPods" -}}
{{- if eq (include "finehero.embedded" .) "true" -}}
1
{{- else if .Values.autoscaling.enabled -}}
{{- .Values.autoscaling.minReplicas -}}
{{- else -}}
{{- .Values.replicaCount -}}
{{- end -}}
{{- end }}

{{/*
The blob volume mounted at /app/blobs: "claim" (a PersistentVolumeClaim), "emptyDir" (PostgreSQL with
neither a claim nor S3: each pod its own, NOTES warns) or "" (S3, or the embedded trial, whose originals
sit beside the H2 files in /app/data).
*/}}
{{- define "finehero.blobVolume" -}}
{{- if eq .Values.blobs.store "s3" -}}
{{- if not .Values.blobs.s3.bucket -}}
{{- fail "blobs.s3.bucket is required with blobs.store s3 (the bucket must exist)" -}}
{{- end -}}
{{- else if or .Values.blobs.filesystem.existingClaim .Values.blobs.filesystem.persistence.enabled -}}
claim
{{- else if ne (include "finehero.embedded" .) "true" -}}
emptyDir
{{- end -}}
{{- end }}

{{/* The blob PersistentVolumeClaim's name: the existing one, or the chart's. */}}
{{- define "finehero.blobClaim" -}}
{{- .Values.blobs.filesystem.existingClaim | default (printf "%s-blobs" (include "finehero.fullname" .)) -}}
{{- end }}
