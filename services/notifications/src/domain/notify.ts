import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/core';
import Joi from 'joi';
import {
  DomainError,
  currentContext,
  runWithContext,
  withEm,
  type Logger,
  type Orm,
  errorMessage,
} from '@faena/platform';
import type { RealtimePublisher } from '../realtime/publish.ts';
import { rooms } from '../realtime/rooms.ts';
import type { Attachment, Channel, OutgoingMessage } from './channels.ts';
import { sanitizeError } from './email.ts';
import {
  CHANNELS,
  Notification,
  TenantSettings,
  type ChannelName,
  type NotificationStatus,
} from './entities.ts';
import { isEnabled } from './preferences.ts';
import { render, resolveLocale, type Rendered } from './render.ts';
import { EVENT_TYPES, templateOf, type EventType, type EventVariables, type Locale } from './templates.ts';
import { enqueueWebhooks } from './webhooks.ts';

/** What a workflow activity or a service passes to `notify`. */
export interface NotifyInput<E extends EventType = EventType> {
  /** Idempotency key: the same key twice notifies once (e.g. `<workflowId>/<step>`). */
  key: string;
  /** Defaults to the tenant of the request / workflow context. */
  tenantId?: string;
  event: E;
  /** Groups the notifications of one business event for webhooks (one delivery per endpoint); default `key`. */
  eventId?: string;
  recipient?: {
    userId?: string;
    email?: string;
    /** BCP 47 tag (`es-AR`); falls back to the business's locale. */
    locale?: string;
    /** The recipient's roles, for the role defaults of preferences. */
    roles?: string[];
  };
  variables?: EventVariables[E];
  /** Restricts the channels (default: every channel of the event the recipient can be reached on). */
  channels?: ChannelName[];
  attachments?: Attachment[];
  /** Business data for webhooks and the in-app entry (ids, no personal data). */
  data?: Record<string, unknown>;
}

export interface NotifyResult {
  /** True when the key had been seen: nothing new was recorded. */
  replayed: boolean;
  notifications: Array<{ id: string; channel: ChannelName; status: NotificationStatus; attempts: number }>;
  webhookDeliveries: number;
}

export const notifyInputSchema = Joi.object<NotifyInput>({
  key: Joi.string().max(200).required(),
  tenantId: Joi.string().uuid(),
  event: Joi.string()
    .valid(...EVENT_TYPES)
    .required(),
  eventId: Joi.string().max(200),
  recipient: Joi.object({
    userId: Joi.string().uuid(),
    email: Joi.string().email({ tlds: false }).max(254),
    locale: Joi.string().pattern(/^[a-zA-Z]{2,3}(-[A-Za-z0-9]{2,8})*$/),
    roles: Joi.array().items(Joi.string().max(64)).max(20),
  }),
  variables: Joi.object().unknown(true).default({}),
  channels: Joi.array()
    .items(Joi.string().valid(...CHANNELS))
    .unique()
    .min(1),
  attachments: Joi.array()
    .items(
      Joi.object({
        filename: Joi.string()
          .max(200)
          .pattern(/^[^/\\]+$/)
          .required(),
        contentType: Joi.string().max(100).required(),
        contentBase64: Joi.string().base64().required(),
      }),
    )
    .max(5),
  data: Joi.object().unknown(true).default({}),
});

export interface NotifyDeps {
  orm: Orm;
  logger: Logger;
  channels: Record<ChannelName, Channel>;
  defaultLocale: Locale;
}

const CLAIM_MS = 60_000;

/**
 * Records and delivers one notification: renders it per channel (a missing variable fails here,
 * before anything is written), applies the recipient's preferences (turned off = `suppressed`),
 * writes the history rows and the webhook outbox in one transaction, then sends. The same key
 * again sends nothing new; an email still `queued` or `failed` is sent again (activity retries).
 */
export async function notify(deps: NotifyDeps, raw: NotifyInput): Promise<NotifyResult> {
  const validated = notifyInputSchema.validate(raw, { abortEarly: false });
  const error = validated.error;
  if (error)
    throw new DomainError('VALIDATION_FAILED', error.details[0]!.message, {
      items: error.details.map((d) => ({
        code: 'VALIDATION_FAILED',
        message: d.message,
        field: d.path.join('.'),
      })),
    });
  const input = validated.value;
  const tenantId = input.tenantId ?? currentContext().tenantId;
  if (!tenantId) throw new DomainError('VALIDATION_FAILED', 'tenantId is required', { field: 'tenantId' });
  return runWithContext({ tenantId }, () => withEm(deps.orm, (em) => run(deps, em, tenantId, input)));
}

interface Planned {
  channel: ChannelName;
  rendered: Rendered;
  redacted: Rendered;
  enabled: boolean;
}

async function run(
  deps: NotifyDeps,
  em: EntityManager,
  tenantId: string,
  input: NotifyInput,
): Promise<NotifyResult> {
  const template = templateOf(input.event)!;
  const variables: Record<string, unknown> = input.variables ?? {};
  const recipient = input.recipient ?? {};
  const settings = await em.findOne(TenantSettings, { tenantId });
  const locale = resolveLocale([recipient.locale, settings?.locale], deps.defaultLocale);

  // Which channels: the event's, restricted by the caller, reachable for this recipient.
  const offered = CHANNELS.filter((c) => template.channels[c] !== undefined);
  const wanted = input.channels ?? offered;
  const unreachable = wanted.filter(
    (c) => !offered.includes(c) || (c === 'email' ? !recipient.email : !recipient.userId),
  );
  if (input.channels && unreachable.length)
    throw new DomainError('VALIDATION_FAILED', `Cannot reach the recipient on ${unreachable.join(', ')}`, {
      field: 'channels',
    });
  const channels = wanted.filter((c) => !unreachable.includes(c));

  const existing = await em.find(Notification, { key: input.key });
  if (existing.length) return replay(deps, em, input, existing, locale);

  // Render first: a template error must not leave half a notification behind.
  const planned: Planned[] = [];
  for (const channel of channels) {
    planned.push({
      channel,
      rendered: render(input.event, template, variables, locale),
      redacted: render(input.event, template, variables, locale, { redact: true }),
      enabled: await isEnabled(em, recipient.userId, input.event, channel, recipient.roles),
    });
  }

  const now = new Date();
  let rows: Notification[];
  let webhookDeliveries: number;
  try {
    ({ rows, webhookDeliveries } = await em.transactional(async (tx) => {
      const created = planned.map((p) =>
        tx.create(Notification, {
          tenantId,
          key: input.key,
          eventType: input.event,
          channel: p.channel,
          userId: recipient.userId ?? null,
          recipientEmail: p.channel === 'email' ? (recipient.email ?? null) : null,
          locale: locale.format,
          subject: p.redacted.subject.slice(0, 300),
          body: p.channel === 'email' ? p.redacted.text : p.redacted.inApp,
          data: input.data ?? {},
          attachments: (input.attachments ?? []).map((a) => ({
            filename: a.filename,
            contentType: a.contentType,
            size: Buffer.byteLength(a.contentBase64, 'base64'),
          })),
          status: !p.enabled ? 'suppressed' : p.channel === 'in_app' ? 'sent' : 'queued',
          attempts: p.enabled && p.channel === 'in_app' ? 1 : 0,
          sentAt: p.enabled && p.channel === 'in_app' ? now : null,
        }),
      );
      const deliveries = await enqueueWebhooks(
        tx,
        {
          id: input.eventId ?? input.key,
          type: input.event,
          tenantId,
          createdAt: now.toISOString(),
          data: input.data ?? {},
        },
        now,
      );
      return { rows: created, webhookDeliveries: deliveries };
    }));
  } catch (err) {
    // A concurrent call with the same key won: answer like a replay.
    if (err instanceof UniqueConstraintViolationException) {
      em.clear();
      return replay(deps, em, input, await em.find(Notification, { key: input.key }), locale);
    }
    throw err;
  }

  for (const row of rows) {
    const p = planned.find((x) => x.channel === row.channel)!;
    if (row.status === 'sent' && row.channel === 'in_app') await announce(deps, row, p.rendered);
    if (row.status === 'queued') await sendEmail(deps, em, row, p.rendered, input);
  }
  deps.logger.info('notification recorded', {
    event: input.event,
    channels: rows.map((r) => `${r.channel}:${r.status}`).join(','),
    webhookDeliveries,
  });
  return { replayed: false, notifications: rows.map(summary), webhookDeliveries };
}

const summary = (r: Notification) => ({
  id: r.id,
  channel: r.channel,
  status: r.status,
  attempts: r.attempts,
});

async function replay(
  deps: NotifyDeps,
  em: EntityManager,
  input: NotifyInput,
  rows: Notification[],
  locale: { locale: Locale; format: string },
): Promise<NotifyResult> {
  for (const row of rows) {
    if (row.channel === 'email' && (row.status === 'queued' || row.status === 'failed')) {
      const rendered = render(input.event, templateOf(input.event)!, input.variables ?? {}, locale);
      await sendEmail(deps, em, row, rendered, input);
    }
  }
  return { replayed: true, notifications: rows.map(summary), webhookDeliveries: 0 };
}

/** Pushes the new inbox entry to the user's sockets (best effort: the inbox has it anyway). */
async function announce(deps: NotifyDeps, row: Notification, rendered: Rendered): Promise<void> {
  try {
    await deps.channels.in_app.send(message(row, rendered, []));
  } catch (err) {
    deps.logger.warn('real-time announcement failed', {
      notificationId: row.id,
      error: errorMessage(err),
    });
  }
}

function message(row: Notification, rendered: Rendered, attachments: Attachment[]): OutgoingMessage {
  return {
    notificationId: row.id,
    tenantId: row.tenantId,
    eventType: row.eventType,
    userId: row.userId ?? null,
    to: row.recipientEmail ?? null,
    locale: row.locale,
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    inApp: rendered.inApp,
    data: row.data,
    attachments,
  };
}

/** Claims the row (one sender at a time), sends, records the outcome; a failure throws EMAIL_DELIVERY_FAILED. */
async function sendEmail(
  deps: NotifyDeps,
  em: EntityManager,
  row: Notification,
  rendered: Rendered,
  input: NotifyInput,
): Promise<void> {
  const now = new Date();
  const claimed = await em.nativeUpdate(
    Notification,
    {
      id: row.id,
      status: { $in: ['queued', 'failed'] },
      $or: [{ claimedUntil: null }, { claimedUntil: { $lt: now } }],
    },
    { claimedUntil: new Date(now.getTime() + CLAIM_MS) },
  );
  if (claimed !== 1) return; // another sender has it, or it went out meanwhile
  let failure: string | null = null;
  try {
    await deps.channels.email.send(message(row, rendered, input.attachments ?? []));
  } catch (err) {
    failure = sanitizeError(err);
  }
  const status: NotificationStatus = failure ? 'failed' : 'sent';
  const outcome = {
    attempts: row.attempts + 1,
    status,
    lastError: failure,
    claimedUntil: null,
    ...(!failure && { sentAt: new Date() }),
  };
  // Written by id (the claim above changed the row behind the identity map).
  await em.nativeUpdate(Notification, { id: row.id }, outcome);
  Object.assign(row, outcome);
  if (failure) {
    deps.logger.warn('email delivery failed', {
      notificationId: row.id,
      attempt: row.attempts,
      error: failure,
    });
    throw new DomainError(
      'EMAIL_DELIVERY_FAILED',
      'The mail server did not accept the message; retry with the same key',
    );
  }
}

/** The in-app channel: the row is the inbox entry; sending announces it on the user's real-time room. */
export function createInAppChannel(realtime: RealtimePublisher): Channel {
  return {
    name: 'in_app',
    async send(m) {
      if (!m.userId) throw new Error('in-app needs a user');
      await realtime.publish({
        tenantId: m.tenantId,
        room: rooms.user(m.tenantId, m.userId),
        event: 'notification:new',
        data: { id: m.notificationId, event: m.eventType, title: m.inApp, data: m.data },
      });
      return {};
    },
  };
}
