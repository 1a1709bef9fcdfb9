/**
 * Entry for `node --import @faena/platform/telemetry/register src/main.ts`: starts OpenTelemetry
 * before the app's modules load, so their http/koa/pg/ioredis calls are instrumented.
 */
import { startTelemetry } from './index.ts';

const telemetry = startTelemetry({
  serviceName: process.env.SERVICE_NAME ?? 'faena',
  serviceVersion: process.env.SERVICE_VERSION,
  environment: process.env.NODE_ENV,
  otlpEndpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT,
});

// Flush spans when the process is told to stop; the app's own shutdown runs on the same signal.
process.once('beforeExit', () => void telemetry.shutdown());
