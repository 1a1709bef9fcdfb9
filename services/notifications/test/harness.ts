import { MailDev } from 'maildev';
import request from 'supertest';
import {
  createLogger,
  createOutboundGuard,
  createRedis,
  outboundGuardOptions,
  runMigrations,
  serve,
  systemResolver,
  type OutboundGuard,
  type ResolvedAddress,
  type Resolver,
  type Orm,
  type Redis,
  type RunningServer,
} from '@faena/platform';
import { captureLogger, testDatabaseUrl, testStack } from '@faena/platform/testing';
import { startIdentity, type Harness as IdentityHarness } from '../../identity/test/harness.ts';
import { createApp } from '../src/app.ts';
import type { NotificationsDeps } from '../src/deps.ts';
import { createRealtimePublisher, type RealtimePublisher } from '../src/realtime/publish.ts';
import { createDispatcher, createNotificationsDeps, createNotificationsOrm } from '../src/wiring.ts';

export const API = '/api/notifications/v1';
export const SERVICE_TOKEN = 'test-service-token-test-service-token-0123';
export const WEBHOOK_SECRET_KEY = 'test-webhook-key-test-webhook-key-0123456';
export const service = { 'X-Service-Token': SERVICE_TOKEN };

export { addUser, bearer, roleId, signUp, unique, type SignedUp } from '../../identity/test/harness.ts';

/** A real SMTP server (maildev's, in-process on a random port) and what it received. */
export interface Smtp {
  port: number;
  mails(): Promise<
    Awaited<ReturnType<NonNullable<ReturnType<MailDev['getServers']>>['smtp']['getAllEmails']>>
  >;
  attachment(mailId: string, generatedFileName: string): Promise<Buffer>;
  stop(): Promise<void>;
}

export async function startSmtp(): Promise<Smtp> {
  const maildev = new MailDev({ smtp: 0, ip: '127.0.0.1', disableWeb: true, silent: true });
  const { smtp } = await maildev.start();
  return {
    port: smtp.getPort(),
    mails: () => smtp.getAllEmails(),
    attachment: async (id, name) => {
      const { stream } = await smtp.getEmailAttachment(id, name);
      const chunks: Buffer[] = [];
      for await (const c of stream) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    },
    stop: () => maildev.stop(),
  };
}

/** identity in-process and served on a port: the notifications guard fetches its JWKS and sessions over HTTP. */
export async function startIdentityServer(): Promise<{
  identity: IdentityHarness;
  server: RunningServer;
  url: string;
}> {
  const identity = await startIdentity();
  const server = await serve(identity.app, {
    port: 0,
    host: '127.0.0.1',
    logger: identity.deps.logger,
    signals: [],
  });
  return { identity, server, url: `http://127.0.0.1:${server.port}` };
}

export interface Harness {
  orm: Orm;
  redis: Redis;
  deps: NotificationsDeps;
  /** The API itself, for a test that serves it over HTTP. */
  app: ReturnType<typeof createApp>;
  agent: ReturnType<typeof request>;
  dispatcher: ReturnType<typeof createDispatcher>;
  /** The guard the API and the dispatcher use (resolving through `dns`, connecting through `routes`). */
  urls: OutboundGuard;
  /** Test DNS: hostname → addresses; a name not in it goes to the system resolver. */
  dns: Map<string, string[]>;
  resolve: Resolver;
  /** Checked public address → where the test socket really goes (the local receiver). */
  routes: Map<string, string>;
  connect: (checked: ResolvedAddress) => ResolvedAddress;
  logs: () => string;
  close(): Promise<void>;
}

export const testConfig = (smtpPort: number, identityUrl: string) => ({
  SMTP_HOST: '127.0.0.1',
  SMTP_PORT: smtpPort,
  SMTP_SECURE: false,
  SMTP_USER: '',
  SMTP_PASS: '',
  MAIL_FROM: 'Faena <no-reply@faena.test>',
  DEFAULT_LOCALE: 'es' as const,
  IDENTITY_URL: identityUrl,
  JWT_ISSUER: 'faena-identity',
  JWT_AUDIENCE: 'faena',
  NOTIFICATIONS_SERVICE_TOKEN: SERVICE_TOKEN,
  WEBHOOK_SECRET_KEY,
  WEBHOOK_MAX_ATTEMPTS: 4,
  WEBHOOK_BASE_DELAY_SECONDS: 30,
  WEBHOOK_MAX_DELAY_SECONDS: 3600,
  WEBHOOK_TIMEOUT_MS: 2000,
  WEBHOOK_MAX_ENDPOINTS: 20,
  // Test receivers are local http servers: http allowed and 127.0.0.1 (only) exempt from the
  // private-address refusal. Production leaves both at their defaults (false, empty).
  TENANT_URL_ALLOW_HTTP: true,
  TENANT_URL_ALLOW_CIDRS: ['127.0.0.1/32'],
  TENANT_URL_DENY_CIDRS: [] as string[],
});

/** A public address the test DNS hands out (example.com's). */
export const PUBLIC_IP = '93.184.216.34';

/** notifications wired to this jest worker's database, the shared Redis, a local SMTP server and identity. */
export async function startNotifications(opts: {
  smtpPort: number;
  identityUrl: string;
  realtime?: RealtimePublisher;
}): Promise<Harness> {
  const orm = await createNotificationsOrm({ DATABASE_URL: await testDatabaseUrl(), DATABASE_POOL_MAX: 5 });
  await runMigrations(orm);
  const redis = createRedis(testStack.redisUrl);
  const captured = captureLogger('notifications');
  const logger = process.env.TEST_LOGS
    ? createLogger({ service: 'notifications', level: 'debug' })
    : captured.logger;
  const config = testConfig(opts.smtpPort, opts.identityUrl);
  const dns = new Map<string, string[]>([['example.com', [PUBLIC_IP]]]);
  const resolve: Resolver = async (hostname) => {
    const answer = dns.get(hostname);
    if (!answer) return systemResolver(hostname);
    return answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  const routes = new Map<string, string>();
  const connect = (checked: ResolvedAddress): ResolvedAddress => {
    const to = routes.get(checked.address);
    return to ? { address: to, family: to.includes(':') ? 6 : 4 } : checked;
  };
  const urls = createOutboundGuard({
    ...outboundGuardOptions(config),
    resolve,
    testConnectOverride: connect,
  });
  const deps = createNotificationsDeps(config, {
    orm,
    redis,
    logger,
    realtime: opts.realtime ?? createRealtimePublisher(redis, `test:${process.pid}`),
    urls,
  });
  const app = createApp(deps);
  return {
    orm,
    redis,
    deps,
    app,
    agent: request(app.app.callback()),
    dispatcher: createDispatcher(config, { orm, logger, urls }),
    urls,
    dns,
    resolve,
    routes,
    connect,
    logs: captured.raw,
    close: async () => {
      await deps.close();
      await orm.close(true);
      await redis.quit();
    },
  };
}
