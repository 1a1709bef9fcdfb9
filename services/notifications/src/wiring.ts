import {
  authGuardFromConfig,
  createOutboundGuard,
  outboundGuardOptions,
  serviceOrm,
  type Logger,
  type Orm,
  type OutboundGuard,
  type OutboundGuardConfig,
  type Redis,
} from '@faena/platform';
import type { NotificationsConfig, SharedConfig } from './config.ts';
import { SCHEMA } from './constants.ts';
import type { NotificationsDeps } from './deps.ts';
import { createEmailChannel } from './domain/email.ts';
import { entities } from './domain/entities.ts';
import { createInAppChannel, type NotifyDeps } from './domain/notify.ts';
import { createWebhookDispatcher } from './domain/webhooks.ts';
import { createRealtimePublisher, type RealtimePublisher } from './realtime/publish.ts';

export const createNotificationsOrm = serviceOrm({ schema: SCHEMA, entities, moduleUrl: import.meta.url });

type NotifyConfig = Pick<
  SharedConfig,
  'SMTP_HOST' | 'SMTP_PORT' | 'SMTP_SECURE' | 'SMTP_USER' | 'SMTP_PASS' | 'MAIL_FROM' | 'DEFAULT_LOCALE'
>;

/** The channels and settings `notify` runs with (API and worker alike). */
export function createNotifyDeps(
  config: NotifyConfig,
  infra: { orm: Orm; logger: Logger; realtime: RealtimePublisher },
): NotifyDeps & { close(): void } {
  const email = createEmailChannel({
    host: config.SMTP_HOST,
    port: config.SMTP_PORT,
    secure: config.SMTP_SECURE,
    user: config.SMTP_USER,
    pass: config.SMTP_PASS,
    from: config.MAIL_FROM,
  });
  return {
    orm: infra.orm,
    logger: infra.logger,
    defaultLocale: config.DEFAULT_LOCALE,
    channels: { email, in_app: createInAppChannel(infra.realtime) },
    close: () => email.close(),
  };
}

/** The worker's activity dependencies: `notify` publishing in-app entries to the gateway's Redis streams. */
export function createNotificationsActivityDeps(
  config: NotifyConfig & Pick<SharedConfig, 'REALTIME_STREAM'>,
  infra: { orm: Orm; logger: Logger; redis: Redis },
): NotifyDeps & { close(): void } {
  return createNotifyDeps(config, {
    orm: infra.orm,
    logger: infra.logger,
    realtime: createRealtimePublisher(infra.redis, config.REALTIME_STREAM),
  });
}

export function createDispatcher(
  config: Pick<
    SharedConfig,
    | 'WEBHOOK_SECRET_KEY'
    | 'WEBHOOK_MAX_ATTEMPTS'
    | 'WEBHOOK_BASE_DELAY_SECONDS'
    | 'WEBHOOK_MAX_DELAY_SECONDS'
    | 'WEBHOOK_TIMEOUT_MS'
  > &
    Partial<OutboundGuardConfig>,
  infra: { orm: Orm; logger: Logger; urls?: OutboundGuard },
) {
  return createWebhookDispatcher({
    orm: infra.orm,
    logger: infra.logger,
    urls: infra.urls ?? createOutboundGuard(outboundGuardOptions(config)),
    secretKey: config.WEBHOOK_SECRET_KEY,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    schedule: {
      maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
      baseDelaySeconds: config.WEBHOOK_BASE_DELAY_SECONDS,
      maxDelaySeconds: config.WEBHOOK_MAX_DELAY_SECONDS,
    },
  });
}

type ApiWiringConfig = NotifyConfig &
  Pick<
    NotificationsConfig,
    'IDENTITY_URL' | 'JWT_ISSUER' | 'JWT_AUDIENCE' | 'NOTIFICATIONS_SERVICE_TOKEN' | 'WEBHOOK_SECRET_KEY'
  > &
  Partial<OutboundGuardConfig & Pick<SharedConfig, 'WEBHOOK_MAX_ENDPOINTS'>>;

/** Builds the API's collaborators around an ORM, Redis, a logger and the real-time publisher. */
export function createNotificationsDeps(
  config: ApiWiringConfig,
  infra: { orm: Orm; redis: Redis; logger: Logger; realtime: RealtimePublisher; urls?: OutboundGuard },
): NotificationsDeps & { close(): Promise<void> } {
  const guard = authGuardFromConfig(config, infra.redis);
  const notify = createNotifyDeps(config, infra);
  return {
    orm: infra.orm,
    redis: infra.redis,
    logger: infra.logger,
    guard,
    notify,
    realtime: infra.realtime,
    serviceToken: config.NOTIFICATIONS_SERVICE_TOKEN,
    webhookSecretKey: config.WEBHOOK_SECRET_KEY,
    webhookUrls: infra.urls ?? createOutboundGuard(outboundGuardOptions(config)),
    webhookMaxEndpoints: config.WEBHOOK_MAX_ENDPOINTS ?? 20,
    close: async () => {
      notify.close();
      await guard.close();
    },
  };
}
