import { register as registerLoaderHook } from 'node:module';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { KoaInstrumentation } from '@opentelemetry/instrumentation-koa';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  BatchSpanProcessor,
  NoopSpanProcessor,
  type ReadableSpan,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Middleware } from 'koa';

export interface Telemetry {
  sdk: NodeSDK;
  resource: Resource;
  /** Span processor shared with the Temporal worker plugin (workflow spans), or undefined when not exporting. */
  spanProcessor: SpanProcessor | undefined;
  prometheus: PrometheusExporter;
  shutdown(): Promise<void>;
}

export interface TelemetryOptions {
  serviceName: string;
  serviceVersion?: string;
  environment?: string;
  /** OTLP/HTTP endpoint (e.g. http://otel-collector:4318); empty = spans are not exported. */
  otlpEndpoint?: string;
  /** Extra processors (tests use an in-memory exporter). */
  spanProcessors?: SpanProcessor[];
}

const KEY = Symbol.for('faena.telemetry');
/**
 * On `globalThis`: the register hook and the app may load this module twice, they share one
 * telemetry. (`& object`: any object may hold the key, so `globalThis` is one without a cast.)
 */
const holder: { [KEY]?: Telemetry } & object = globalThis;

/** The telemetry started in this process, if any (the register hook or a test started it). */
export function currentTelemetry(): Telemetry | undefined {
  return holder[KEY];
}

/**
 * Starts OpenTelemetry once per process: W3C trace propagation, http/koa/pg/ioredis
 * instrumentation, OTLP span export when an endpoint is set, and a Prometheus reader served by
 * `metricsMiddleware()`. Loaded before the app by `node --import @faena/platform/telemetry/register`.
 */
export function startTelemetry(opts: TelemetryOptions): Telemetry {
  const existing = currentTelemetry();
  if (existing) return existing;
  // ESM imports of node:http and friends are only patchable through the import-in-the-middle hook.
  registerLoaderHook('@opentelemetry/instrumentation/hook.mjs', import.meta.url);

  const resource = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: opts.serviceName,
    [ATTR_SERVICE_VERSION]: opts.serviceVersion ?? '0.0.0-dev',
    'deployment.environment.name': opts.environment ?? 'development',
  });
  const spanProcessor = opts.otlpEndpoint
    ? new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url: `${opts.otlpEndpoint.replace(/\/$/, '')}/v1/traces` }),
      })
    : undefined;
  const processors = [...(spanProcessor ? [spanProcessor] : []), ...(opts.spanProcessors ?? [])];
  const prometheus = new PrometheusExporter({ preventServerStart: true });
  const sdk = new NodeSDK({
    resource,
    autoDetectResources: false,
    // Without any processor the SDK would install no tracer provider, and nothing (logs included)
    // would get trace ids; spans are then created and propagated, just not exported.
    spanProcessors: processors.length ? processors : [new NoopSpanProcessor()],
    metricReaders: [prometheus],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => /^\/(health|metrics)/.test(req.url ?? ''),
      }),
      new KoaInstrumentation(),
      new PgInstrumentation({ enhancedDatabaseReporting: false }),
      new IORedisInstrumentation(),
    ],
  });
  sdk.start();
  const telemetry: Telemetry = { sdk, resource, spanProcessor, prometheus, shutdown: () => sdk.shutdown() };
  holder[KEY] = telemetry;
  return telemetry;
}

/** Koa handler for `/metrics` in the Prometheus text format; 404 when telemetry is not running. */
export function metricsMiddleware(): Middleware {
  return (ctx) => {
    const t = currentTelemetry();
    if (!t) {
      ctx.status = 404;
      ctx.body = 'telemetry is not started';
      return;
    }
    ctx.respond = false;
    t.prometheus.getMetricsRequestHandler(ctx.req, ctx.res);
  };
}

/**
 * Temporal's workflow interceptors serialise spans in the OpenTelemetry 1.x shape
 * (`instrumentationLibrary`, `parentSpanId`); the 2.x+ exporters read `instrumentationScope` and
 * `parentSpanContext`. This processor translates before handing the span on.
 */
/** The fields a 1.x span may hold instead of (or beside) `instrumentationScope` and `parentSpanContext`. */
interface LegacySpanFields {
  instrumentationScope?: ReadableSpan['instrumentationScope'];
  instrumentationLibrary?: ReadableSpan['instrumentationScope'];
  parentSpanId?: string;
}

export function legacySpanAdapter(next: SpanProcessor): SpanProcessor {
  return {
    onStart: () => undefined,
    onEnd: (span: ReadableSpan) => {
      const legacy: LegacySpanFields = span;
      const ctx = span.spanContext();
      // Cast kept: `Object.create` is typed `any`; the object is the span itself with the fields below.
      const adapted = Object.assign(Object.create(span) as ReadableSpan, {
        instrumentationScope: span.instrumentationScope ??
          legacy.instrumentationLibrary ?? { name: '@temporalio/interceptors-opentelemetry' },
        parentSpanContext:
          span.parentSpanContext ??
          (legacy.parentSpanId
            ? {
                traceId: ctx.traceId,
                spanId: legacy.parentSpanId,
                traceFlags: ctx.traceFlags,
                isRemote: false,
              }
            : undefined),
        droppedAttributesCount: span.droppedAttributesCount ?? 0,
        droppedEventsCount: span.droppedEventsCount ?? 0,
        droppedLinksCount: span.droppedLinksCount ?? 0,
      });
      next.onEnd(adapted);
    },
    forceFlush: () => next.forceFlush(),
    shutdown: () => next.shutdown(),
  };
}
