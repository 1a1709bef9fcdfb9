import type { EntityManager } from '@mikro-orm/postgresql';
import { uuidv7 } from 'uuidv7';

export interface ProviderNotification {
  tenantId: string;
  provider: string;
  /**
   * The provider's id of the notification: the deduplication key with the tenant and the provider
   * (ids are the provider's, and a tenant can post any id to its own webhook URL: per tenant, one
   * tenant's ids never make another's notification a duplicate).
   */
  notificationId: string;
  topic: string;
  /** The payment it is about, when it is about one. */
  providerPaymentId: string | null;
  payload: unknown;
}

/**
 * Stores a provider's notification once per tenant, and hands it on (`handOff`, e.g. to its paymentSync
 * workflow) in the same transaction: if the hand-off fails the row is rolled back, so the provider's
 * retry is not taken for a duplicate and a notification is never stored unread.
 */
export async function storeProviderNotification(
  em: EntityManager,
  n: ProviderNotification,
  handOff: () => Promise<unknown>,
): Promise<'stored' | 'duplicate'> {
  return em.transactional(async (tx) => {
    const stored = await tx.execute<Array<{ id: string }>>(
      `insert into payments.provider_notifications (id, tenant_id, provider, notification_id, topic, provider_payment_id, payload, received_at)
       values (?, ?, ?, ?, ?, ?, ?, now()) on conflict on constraint provider_notifications_unique do nothing returning id`,
      [
        uuidv7(),
        n.tenantId,
        n.provider,
        n.notificationId,
        n.topic,
        n.providerPaymentId,
        JSON.stringify(n.payload),
      ],
    );
    if (!stored.length) return 'duplicate' as const;
    await handOff();
    return 'stored' as const;
  });
}
