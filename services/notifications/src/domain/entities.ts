import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { auditProperties, idProperty, softDeleteProperties, tenantProperty } from '@faena/platform';

export const CHANNELS = ['email', 'in_app'] as const;
export type ChannelName = (typeof CHANNELS)[number];
export const NOTIFICATION_STATUSES = ['queued', 'sent', 'failed', 'suppressed'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];
export const DELIVERY_STATUSES = ['pending', 'delivered', 'dead'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

const timestamp = () => p.datetime().columnType('timestamptz');

/** Per-business settings: the locale notifications fall back to when the recipient has none. */
export const TenantSettings = defineEntity({
  name: 'TenantSettings',
  tableName: 'tenant_settings',
  properties: {
    ...idProperty,
    ...tenantProperty,
    locale: p.string().length(16),
    ...auditProperties,
  },
});
export type TenantSettings = InferEntity<typeof TenantSettings>;

/**
 * History: one row per `notify` key and channel, with its status and attempts. Email bodies are
 * stored with secret variables (reset links) redacted; in-app rows are the user's inbox.
 */
export const Notification = defineEntity({
  name: 'Notification',
  tableName: 'notifications',
  properties: {
    ...idProperty,
    ...tenantProperty,
    key: p.string().length(200),
    eventType: p.string().length(64),
    channel: p.enum(CHANNELS),
    userId: p.uuid().nullable(),
    recipientEmail: p.string().length(254).nullable().hidden(),
    locale: p.string().length(16),
    subject: p.string().length(300),
    body: p.text(),
    data: p.json<Record<string, unknown>>().default('{}'),
    attachments: p.json<Array<{ filename: string; contentType: string; size: number }>>().default('[]'),
    status: p.enum(NOTIFICATION_STATUSES),
    attempts: p.integer().default(0),
    lastError: p.string().length(500).nullable(),
    sentAt: timestamp().nullable(),
    readAt: timestamp().nullable(),
    claimedUntil: timestamp().nullable().hidden(),
    ...auditProperties,
  },
});
export type Notification = InferEntity<typeof Notification>;

/** A user's choice for one event type and channel; absent means the role default. */
export const Preference = defineEntity({
  name: 'Preference',
  tableName: 'preferences',
  properties: {
    ...idProperty,
    ...tenantProperty,
    userId: p.uuid(),
    eventType: p.string().length(64),
    channel: p.enum(CHANNELS),
    enabled: p.boolean(),
    ...auditProperties,
  },
});
export type Preference = InferEntity<typeof Preference>;

/** A URL a business registered for some event types; its signing secret is encrypted at rest. */
export const WebhookEndpoint = defineEntity({
  name: 'WebhookEndpoint',
  tableName: 'webhook_endpoints',
  properties: {
    ...idProperty,
    ...tenantProperty,
    url: p.string().length(2000),
    description: p.string().length(200).default(''),
    events: p.array().columnType('text[]'),
    secretSealed: p.text().hidden(),
    ...auditProperties,
    ...softDeleteProperties,
  },
});
export type WebhookEndpoint = InferEntity<typeof WebhookEndpoint>;

/** The outbox: one delivery per endpoint and event, written in the transaction that records the event. */
export const WebhookDelivery = defineEntity({
  name: 'WebhookDelivery',
  tableName: 'webhook_deliveries',
  properties: {
    ...idProperty,
    ...tenantProperty,
    endpointId: p.uuid().index(),
    eventType: p.string().length(64),
    eventId: p.string().length(200),
    payload: p.json<Record<string, unknown>>(),
    status: p.enum(DELIVERY_STATUSES).default('pending'),
    attempts: p.integer().default(0),
    nextAttemptAt: timestamp(),
    lastAttemptAt: timestamp().nullable(),
    lastStatusCode: p.integer().nullable(),
    lastError: p.string().length(500).nullable(),
    deliveredAt: timestamp().nullable(),
    deadAt: timestamp().nullable(),
    redrives: p.integer().default(0),
    claimedUntil: timestamp().nullable().hidden(),
    ...auditProperties,
  },
});
export type WebhookDelivery = InferEntity<typeof WebhookDelivery>;

export const entities = [TenantSettings, Notification, Preference, WebhookEndpoint, WebhookDelivery];
