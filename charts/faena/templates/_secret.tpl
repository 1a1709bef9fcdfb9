{{/*
Keys of the chart-made Secret (env var names). DATABASE_URL, REDIS_URL and the keys services require
always render (empty ones make the process refuse to start naming them, instead of a pod stuck on a
missing key); empty optional values are left out (pods reference them with `optional: true`).
*/}}
{{- define "faena.secretData" -}}
{{- $s := .Values.secrets }}
{{- $required := dict
  "DATABASE_URL" $s.databaseUrl
  "REDIS_URL" $s.redisUrl
  "KEY_ENCRYPTION_SECRET" $s.keyEncryptionSecret
  "NOTIFICATIONS_SERVICE_TOKEN" $s.notificationsServiceToken
  "PAYMENTS_SECRET_KEY" $s.paymentsSecretKey
  "WEBHOOK_SECRET_KEY" $s.webhookSecretKey
  "CHECKIN_TOKEN_SECRET" $s.checkinTokenSecret }}
{{- $optional := dict
  "TEMPORAL_API_KEY" $s.temporalApiKey
  "SMTP_USER" $s.smtpUser
  "SMTP_PASS" $s.smtpPass
  "S3_ACCESS_KEY_ID" $s.s3AccessKeyId
  "S3_SECRET_ACCESS_KEY" $s.s3SecretAccessKey }}
{{- range $k := keys $required | sortAlpha }}
{{ $k }}: {{ get $required $k | quote }}
{{- end }}
{{- range $k := keys $optional | sortAlpha }}
{{- with get $optional $k }}
{{ $k }}: {{ . | quote }}
{{- end }}
{{- end }}
{{- end }}
