import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import {
  Client,
  Connection,
  type ConnectionOptions,
  type WorkflowClientInterceptor,
} from '@temporalio/client';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { defaultPayloadConverter } from '@temporalio/common';
import {
  OpenTelemetryPlugin,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import {
  NativeConnection,
  Runtime,
  Worker,
  bundleWorkflowCode,
  type ActivityInboundCallsInterceptor,
  type LogLevel,
  type LogMetadata,
  type WorkerOptions,
} from '@temporalio/worker';
import { currentContext, runWithContext } from '../context.ts';
import type { HealthCheck } from '../http/app.ts';
import type { Logger } from '../logger.ts';
import { PROCESS_DURATION_BUCKETS, PROCESS_METRICS } from '../process-metrics.ts';
import { currentTelemetry, legacySpanAdapter } from '../telemetry/index.ts';
import { CONTEXT_HEADER, type PropagatedContext } from './context-header.ts';

export { CONTEXT_HEADER, type PropagatedContext } from './context-header.ts';
export { inTenantActivity, type InTenantOptions } from './activity.ts';
export { processCallError, queryRunning, updateProcess } from './errors.ts';
export { startProcessOnce, type ProcessStartOptions } from './start.ts';

/** The TEMPORAL_* variables of `temporalConfigSchema`. */
export interface TemporalConfig {
  TEMPORAL_ADDRESS: string;
  TEMPORAL_NAMESPACE: string;
  TEMPORAL_TLS?: boolean;
  TEMPORAL_TLS_CERT_PATH?: string;
  TEMPORAL_TLS_KEY_PATH?: string;
  TEMPORAL_TLS_CA_PATH?: string;
  TEMPORAL_API_KEY?: string;
  /**
   * How long an API waits for a running process to answer a query or accept an Update (default
   * 10 s): with no worker polling, the server holds both without end, and the request with them.
   */
  TEMPORAL_CALL_TIMEOUT_MS?: number;
}

/** The default of `TEMPORAL_CALL_TIMEOUT_MS`. */
export const PROCESS_CALL_TIMEOUT_MS = 10_000;

/** Address, TLS (mTLS client certificate for Temporal Cloud, or a custom CA) and API key. */
export function connectionOptions(
  cfg: TemporalConfig,
): Pick<ConnectionOptions, 'address' | 'tls'> & { apiKey?: string } {
  const mtls = cfg.TEMPORAL_TLS_CERT_PATH && cfg.TEMPORAL_TLS_KEY_PATH;
  const tls =
    mtls || cfg.TEMPORAL_TLS_CA_PATH || cfg.TEMPORAL_TLS || cfg.TEMPORAL_API_KEY
      ? {
          ...(mtls && {
            clientCertPair: {
              crt: readFileSync(cfg.TEMPORAL_TLS_CERT_PATH!),
              key: readFileSync(cfg.TEMPORAL_TLS_KEY_PATH!),
            },
          }),
          ...(cfg.TEMPORAL_TLS_CA_PATH && {
            serverRootCACertificate: readFileSync(cfg.TEMPORAL_TLS_CA_PATH),
          }),
        }
      : false;
  return {
    address: cfg.TEMPORAL_ADDRESS,
    tls,
    ...(cfg.TEMPORAL_API_KEY && { apiKey: cfg.TEMPORAL_API_KEY }),
  };
}

const encodeContext = (ctx: PropagatedContext) =>
  defaultPayloadConverter.toPayload({
    correlationId: ctx.correlationId,
    tenantId: ctx.tenantId,
    userId: ctx.userId,
  });

/** Adds the current request context as a header of every workflow the client starts or signals. */
class ContextClientInterceptor implements WorkflowClientInterceptor {
  private headers<T extends { headers: Record<string, unknown> }>(input: T): T {
    const ctx = currentContext();
    if (!ctx.correlationId && !ctx.tenantId) return input;
    return { ...input, headers: { ...input.headers, [CONTEXT_HEADER]: encodeContext(ctx) } };
  }
  startWithDetails: NonNullable<WorkflowClientInterceptor['startWithDetails']> = (input, next) =>
    next(this.headers(input));
  signal: NonNullable<WorkflowClientInterceptor['signal']> = (input, next) => next(this.headers(input));
  signalWithStart: NonNullable<WorkflowClientInterceptor['signalWithStart']> = (input, next) =>
    next(this.headers(input));
  startUpdate: NonNullable<WorkflowClientInterceptor['startUpdate']> = (input, next) =>
    next(this.headers(input));
}

/**
 * Bounds every query and Update to a running process by one deadline, the one place that does: a
 * process whose workers are down (or not deployed yet) makes the call fail with DEADLINE_EXCEEDED,
 * which `processCallError` answers as 503 SERVICE_UNAVAILABLE, instead of holding the request (and
 * its connection) open for as long as the server keeps the call waiting. An Update's deadline
 * covers its admission and acceptance; its result is waited for by the caller's own handle.
 */
class DeadlineClientInterceptor implements WorkflowClientInterceptor {
  private readonly connection: Connection;
  private readonly ms: number;
  constructor(connection: Connection, ms: number) {
    this.connection = connection;
    this.ms = ms;
  }
  private bounded = <T>(fn: () => Promise<T>): Promise<T> =>
    this.connection.withDeadline(Date.now() + this.ms, fn);
  query: NonNullable<WorkflowClientInterceptor['query']> = (input, next) => this.bounded(() => next(input));
  startUpdate: NonNullable<WorkflowClientInterceptor['startUpdate']> = (input, next) =>
    this.bounded(() => next(input));
}

/** A Temporal client carrying trace context and the request context into the workflows it starts. */
export async function createTemporalClient(
  cfg: TemporalConfig,
  opts: { lazy?: boolean } = {},
): Promise<Client> {
  // `lazy`: connects on the first call, so a service whose main work needs no Temporal (identity's
  // logins) boots and serves while Temporal is away; its process calls answer 503 until it is back.
  const connection = opts.lazy
    ? Connection.lazy({ ...connectionOptions(cfg), connectTimeout: '5s' })
    : await Connection.connect({ ...connectionOptions(cfg), connectTimeout: '5s' });
  return new Client({
    connection,
    namespace: cfg.TEMPORAL_NAMESPACE,
    interceptors: {
      workflow: [
        new OpenTelemetryWorkflowClientInterceptor(),
        new ContextClientInterceptor(),
        new DeadlineClientInterceptor(connection, cfg.TEMPORAL_CALL_TIMEOUT_MS ?? PROCESS_CALL_TIMEOUT_MS),
      ],
    },
  });
}

/** Readiness check: the Temporal frontend answers GetSystemInfo. */
export function temporalHealthCheck(
  connection: Pick<Connection | NativeConnection, 'workflowService'>,
): HealthCheck {
  return { name: 'temporal', check: () => connection.workflowService.getSystemInfo({}) };
}

/** Runs every activity inside the context its workflow was started with (logs, tenant filter). */
const contextActivityInterceptor = (): { inbound: ActivityInboundCallsInterceptor } => ({
  inbound: {
    execute: (input, next) => {
      const payload = input.headers[CONTEXT_HEADER];
      const ctx = payload ? defaultPayloadConverter.fromPayload<PropagatedContext>(payload) : {};
      return runWithContext(ctx, () => next(input));
    },
  },
});

const LEVELS: Record<LogLevel, string> = {
  TRACE: 'debug',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

let runtimeInstalled = false;
/**
 * Installs the Temporal runtime once per process: the SDK's and core's logs go through our logger,
 * and with `metrics` its Prometheus exporter serves the SDK's metrics (`temporal_workflow_*`,
 * `temporal_activity_*`, task slots, schedule-to-start latencies) and the processes' own
 * (`faena_process_*`, from workflow code) at `http://<bindAddress>/metrics`. Names follow
 * Prometheus conventions: counters end in `_total`, durations are seconds and end in `_seconds`.
 */
export function installTemporalRuntime(log: Logger, metrics?: { bindAddress: string }): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const forward = (level: LogLevel, message: string, meta?: LogMetadata) =>
    log.log(LEVELS[level], message, { ...meta, source: 'temporal' });
  Runtime.install({
    logger: {
      log: forward,
      trace: (m, meta) => forward('TRACE', m, meta),
      debug: (m, meta) => forward('DEBUG', m, meta),
      info: (m, meta) => forward('INFO', m, meta),
      warn: (m, meta) => forward('WARN', m, meta),
      error: (m, meta) => forward('ERROR', m, meta),
    },
    telemetryOptions: {
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      ...(metrics && {
        metrics: {
          // The pod's labels name the service; core's own service_name would say "temporal-core-sdk".
          attachServiceName: false,
          prometheus: {
            bindAddress: metrics.bindAddress,
            countersTotalSuffix: true,
            unitSuffix: true,
            useSecondsForDurations: true,
            histogramBucketOverrides: { [PROCESS_METRICS.duration]: PROCESS_DURATION_BUCKETS },
          },
        },
      }),
    },
  });
}

const workflowInterceptorsModule = fileURLToPath(new URL('./workflow-interceptors.ts', import.meta.url));
const require = createRequire(import.meta.url);

export interface CreateWorkerOptions extends Omit<
  WorkerOptions,
  'connection' | 'namespace' | 'interceptors' | 'plugins'
> {
  config: TemporalConfig;
  logger: Logger;
  /** `host:port` where the Temporal runtime serves its Prometheus metrics (the process's first worker decides). */
  metricsBindAddress?: string;
}

/** How long a workflow task waits for the worker whose cache holds the workflow (see createWorker). */
export const STICKY_QUEUE_TIMEOUT = '3s';

/**
 * A worker with our interceptors: OpenTelemetry (client, workflow, activity; workflow spans go to
 * the process's span processor) and request-context propagation. Activity workers pass
 * `activities`; the workflow worker passes `workflowsPath` (dev/tests) or `workflowBundle`.
 */
export async function createWorker(
  opts: CreateWorkerOptions,
): Promise<{ worker: Worker; connection: NativeConnection }> {
  const { config, logger: log, metricsBindAddress, ...workerOptions } = opts;
  installTemporalRuntime(log, metricsBindAddress ? { bindAddress: metricsBindAddress } : undefined);
  const connection = await NativeConnection.connect(connectionOptions(config));
  const side = workflowSideOptions(workerOptions.workflowBundle !== undefined);
  const worker = await Worker.create({
    // A workflow's next task waits this long on the sticky queue of the worker that ran it last
    // before the server hands it to any worker. The SDK's 10 s default meant that after a worker
    // was SIGKILLed, an Update (a client's approval, an operator's retry) waited 10 s for the dead
    // worker and then answered 503 at the API's call deadline (TEMPORAL_CALL_TIMEOUT_MS, 10 s):
    // tests/e2e/restart.test.ts. A busy live worker losing a task to another only costs a replay.
    stickyQueueScheduleToStartTimeout: STICKY_QUEUE_TIMEOUT,
    ...workerOptions,
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    plugins: side.plugins,
    interceptors: { activity: [contextActivityInterceptor], ...side.interceptors },
  });
  return { worker, connection };
}

/**
 * The plugins and workflow interceptor modules every workflow worker runs with, in one place: the
 * production worker, dev, tests and replay all use exactly these, because a history written with
 * one set of workflow interceptors does not replay with another (the OpenTelemetry interceptors add
 * yield points that change the order of commands). The OpenTelemetry plugin is always installed;
 * without a started telemetry its spans go nowhere.
 */
function workflowSideOptions(prebuiltBundle: boolean): Pick<WorkerOptions, 'plugins'> & {
  interceptors: { workflowModules?: string[] };
} {
  const telemetry = currentTelemetry();
  // Casts kept: the plugin is typed against its own older copy of @opentelemetry (nested in its
  // node_modules); ours are the same objects at runtime, legacySpanAdapter bridges the span shape.
  const plugin = new OpenTelemetryPlugin({
    resource: (telemetry?.resource ?? resourceFromAttributes({})) as never,
    spanProcessor: legacySpanAdapter(
      telemetry?.spanProcessor ?? {
        onStart: () => undefined,
        onEnd: () => undefined,
        forceFlush: () => Promise.resolve(),
        shutdown: () => Promise.resolve(),
      },
    ) as never,
  });
  return {
    plugins: [plugin],
    // A prebuilt bundle already contains its interceptor modules (see workflows/scripts/bundle.ts).
    interceptors: prebuiltBundle ? {} : { workflowModules: [workflowInterceptorsModule] },
  };
}

/**
 * The workflow side of a worker exactly as production runs it (plugins, interceptor modules), for
 * the given sources or prebuilt bundle: spread into `Worker.create` (tests on the time-skipping
 * server) or pass to `Worker.runReplayHistory`/`runReplayHistories` (replay tests).
 */
export function workflowWorkerOptions(
  source: { workflowsPath: string } | { workflowBundle: { codePath: string } },
): Pick<WorkerOptions, 'workflowsPath' | 'workflowBundle' | 'plugins' | 'interceptors'> {
  const side = workflowSideOptions('workflowBundle' in source);
  return { ...source, plugins: side.plugins, interceptors: side.interceptors };
}

/**
 * Replays histories against workflow code with the production worker options, in one bundle;
 * answers one result per history (`error` set when it does not replay).
 */
export async function replayHistories(
  source: { workflowsPath: string } | { workflowBundle: { codePath: string } },
  histories: Iterable<{ workflowId: string; history: unknown }>,
): Promise<Array<{ workflowId: string; error?: Error }>> {
  const results: Array<{ workflowId: string; error?: Error }> = [];
  const input = [...histories].map((h) => ({ workflowId: h.workflowId, history: h.history }));
  for await (const r of Worker.runReplayHistories(workflowWorkerOptions(source), input))
    results.push({ workflowId: r.workflowId, ...(r.error && { error: r.error }) });
  return results;
}

/** Path of the OpenTelemetry workflow interceptors module, for bundling workflow code ahead of time. */
export const otelWorkflowInterceptorsModule = (): string =>
  require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

/**
 * Bundles workflow code ahead of time with the same interceptor modules a worker adds when it
 * bundles at start (ours and OpenTelemetry's), so a prebuilt bundle behaves like `workflowsPath`.
 */
export async function bundleWorkflows(workflowsPath: string): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules: [workflowInterceptorsModule, otelWorkflowInterceptorsModule()],
  });
  return code;
}
export { workflowInterceptorsModule };
