import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import {
  Client,
  Connection,
  type ConnectionOptions,
  type WorkflowClientInterceptor,
} from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import {
  OpenTelemetryPlugin,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import {
  NativeConnection,
  Runtime,
  Worker,
  type ActivityInboundCallsInterceptor,
  type LogLevel,
  type LogMetadata,
  type WorkerOptions,
} from '@temporalio/worker';
import { currentContext, runWithContext } from '../context.ts';
import type { HealthCheck } from '../http/app.ts';
import type { Logger } from '../logger.ts';
import { currentTelemetry, legacySpanAdapter } from '../telemetry/index.ts';
import { CONTEXT_HEADER, type PropagatedContext } from './context-header.ts';

export { CONTEXT_HEADER, type PropagatedContext } from './context-header.ts';

/** The TEMPORAL_* variables of `temporalConfigSchema`. */
export interface TemporalConfig {
  TEMPORAL_ADDRESS: string;
  TEMPORAL_NAMESPACE: string;
  TEMPORAL_TLS?: boolean;
  TEMPORAL_TLS_CERT_PATH?: string;
  TEMPORAL_TLS_KEY_PATH?: string;
  TEMPORAL_TLS_CA_PATH?: string;
  TEMPORAL_API_KEY?: string;
}

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

/** A Temporal client carrying trace context and the request context into the workflows it starts. */
export async function createTemporalClient(cfg: TemporalConfig): Promise<Client> {
  const connection = await Connection.connect({ ...connectionOptions(cfg), connectTimeout: '5s' });
  return new Client({
    connection,
    namespace: cfg.TEMPORAL_NAMESPACE,
    interceptors: {
      workflow: [new OpenTelemetryWorkflowClientInterceptor(), new ContextClientInterceptor()],
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
/** Routes the Temporal SDK's and core's logs (workers, workflows, activities) through our logger. Once per process. */
export function installTemporalRuntime(log: Logger): void {
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
    telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } },
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
}

/**
 * A worker with our interceptors: OpenTelemetry (client, workflow, activity; workflow spans go to
 * the process's span processor) and request-context propagation. Activity workers pass
 * `activities`; the workflow worker passes `workflowsPath` (dev/tests) or `workflowBundle`.
 */
export async function createWorker(
  opts: CreateWorkerOptions,
): Promise<{ worker: Worker; connection: NativeConnection }> {
  const { config, logger: log, ...workerOptions } = opts;
  installTemporalRuntime(log);
  const connection = await NativeConnection.connect(connectionOptions(config));
  const telemetry = currentTelemetry();
  const plugins = telemetry
    ? [
        new OpenTelemetryPlugin({
          resource: telemetry.resource as never,
          spanProcessor: legacySpanAdapter(
            telemetry.spanProcessor ?? {
              onStart: () => undefined,
              onEnd: () => undefined,
              forceFlush: () => Promise.resolve(),
              shutdown: () => Promise.resolve(),
            },
          ) as never,
        }),
      ]
    : [];
  const worker = await Worker.create({
    ...workerOptions,
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    plugins,
    interceptors: {
      activity: [contextActivityInterceptor],
      // A prebuilt bundle already contains its interceptor modules (see bundleWorkflows).
      ...(workerOptions.workflowBundle ? {} : { workflowModules: [workflowInterceptorsModule] }),
    },
  });
  return { worker, connection };
}

/** Path of the OpenTelemetry workflow interceptors module, for bundling workflow code ahead of time. */
export const otelWorkflowInterceptorsModule = (): string =>
  require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');
export { workflowInterceptorsModule };
