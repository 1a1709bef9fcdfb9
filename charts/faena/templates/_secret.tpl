{{/*
Keys of the chart-made Secret (env var names). Empty optional values are left out.
*/}}
{{- define "faena.secretData" -}}
DATABASE_URL: {{ .Values.secrets.databaseUrl | quote }}
REDIS_URL: {{ .Values.secrets.redisUrl | quote }}
{{- $optional := dict
  "TEMPORAL_API_KEY" .Values.secrets.temporalApiKey
  "KEY_ENCRYPTION_SECRET" .Values.secrets.keyEncryptionSecret
  "MERCADOPAGO_ACCESS_TOKEN" .Values.secrets.mercadopagoAccessToken
  "MERCADOPAGO_WEBHOOK_SECRET" .Values.secrets.mercadopagoWebhookSecret
  "SMTP_USERNAME" .Values.secrets.smtpUsername
  "SMTP_PASSWORD" .Values.secrets.smtpPassword }}
{{- range $k := keys $optional | sortAlpha }}
{{- with get $optional $k }}
{{ $k }}: {{ . | quote }}
{{- end }}
{{- end }}
{{- end }}
