import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, seal, unseal } from '@faena/platform';
import type { PaymentProvider, ProviderCredentials } from '../providers/types.ts';
import { ProviderAccount } from './entities.ts';

const PURPOSE = 'payments-provider-credentials';

/** The tenant's credentials at `provider` (decrypted), or 422 when the tenant has not configured it. */
export async function credentialsFor(
  em: EntityManager,
  secret: string,
  tenantId: string,
  provider: string,
): Promise<ProviderCredentials> {
  const row = await em.findOne(ProviderAccount, { tenantId, provider });
  if (!row)
    throw new DomainError('VALIDATION_FAILED', `The business has not configured ${provider}`, {
      field: 'method',
    });
  return {
    accessToken: unseal(secret, PURPOSE, row.accessTokenSealed),
    webhookSecret: unseal(secret, PURPOSE, row.webhookSecretSealed),
  };
}

export async function saveCredentials(
  em: EntityManager,
  secret: string,
  tenantId: string,
  provider: string,
  creds: ProviderCredentials,
): Promise<void> {
  const sealed = {
    accessTokenSealed: seal(secret, PURPOSE, creds.accessToken),
    webhookSecretSealed: seal(secret, PURPOSE, creds.webhookSecret),
  };
  const row = await em.findOne(ProviderAccount, { tenantId, provider });
  if (row) Object.assign(row, sealed);
  else em.create(ProviderAccount, { tenantId, provider, ...sealed });
  await em.flush();
}

/** Providers by name (`mercadopago`); one adapter per provider, built once by the wiring. */
export type Providers = Record<string, PaymentProvider>;
