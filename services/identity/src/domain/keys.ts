import type { EntityManager } from '@mikro-orm/core';
import {
  calculateJwkThumbprint,
  errors,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTVerifyGetKey,
  type CryptoKey,
} from 'jose';
import { seal, unseal } from '@faena/platform';
import { SigningKey } from './entities.ts';

const ALG = 'ES256';

export interface KeyStore {
  /** The key new tokens are signed with; created on first use. */
  signingKey(): Promise<{ kid: string; key: CryptoKey }>;
  /** The public keys that verify: the active one and those retired less than a token lifetime ago. */
  jwks(): Promise<{ keys: JWK[] }>;
  /** Makes a new key active; the previous one keeps verifying until its tokens have expired. */
  rotate(): Promise<string>;
  /** jose key getter over `jwks()`, reloading once when a token names an unknown kid. */
  getKey: JWTVerifyGetKey;
}

/**
 * ES256 signing keys kept in the identity schema, private halves encrypted with AES-256-GCM under
 * a key derived from KEY_ENCRYPTION_SECRET. Every replica reads the same keys; a short cache keeps
 * signing and verification off the database.
 */
export function createKeyStore(opts: {
  em: () => EntityManager;
  secret: string;
  accessTtlSeconds: number;
  cacheMs?: number;
}): KeyStore {
  let cache: { at: number; rows: SigningKey[] } | undefined;
  const privateKeys = new Map<string, CryptoKey>();
  const publicKeys = new Map<string, CryptoKey>();
  const cacheMs = opts.cacheMs ?? 30_000;

  async function create(em: EntityManager): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true });
    const pub = { ...(await exportJWK(publicKey)), alg: ALG, use: 'sig' };
    const kid = await calculateJwkThumbprint(pub);
    em.create(SigningKey, {
      kid,
      publicJwk: { ...pub, kid },
      privateJwkEncrypted: seal(
        opts.secret,
        'identity-signing-keys',
        JSON.stringify(await exportJWK(privateKey)),
      ),
    });
  }

  async function rows(force = false): Promise<SigningKey[]> {
    if (!force && cache && Date.now() - cache.at < cacheMs) return cache.rows;
    const em = opts.em().fork();
    let list = await em.find(SigningKey, {}, { orderBy: { createdAt: 'desc' } });
    if (!list.some((k) => !k.retiredAt)) {
      // First start (or every key retired by hand): create one, serialised across replicas.
      await em.transactional(async (tx) => {
        await tx.getConnection().execute(`select pg_advisory_xact_lock(hashtext('identity.signing_keys'))`);
        if ((await tx.count(SigningKey, { retiredAt: null })) === 0) await create(tx);
      });
      list = await em.fork().find(SigningKey, {}, { orderBy: { createdAt: 'desc' } });
    }
    cache = { at: Date.now(), rows: list };
    return list;
  }

  const verifying = (list: SigningKey[]) => {
    const horizon = Date.now() - (opts.accessTtlSeconds + 60) * 1000;
    return list.filter((k) => !k.retiredAt || k.retiredAt.getTime() > horizon);
  };

  async function publicKey(kid: string, force: boolean): Promise<CryptoKey | undefined> {
    const row = verifying(await rows(force)).find((k) => k.kid === kid);
    if (!row) return undefined;
    let key = publicKeys.get(kid);
    if (!key) {
      key = (await importJWK(row.publicJwk as JWK, ALG)) as CryptoKey;
      publicKeys.set(kid, key);
    }
    return key;
  }

  return {
    async signingKey() {
      const active = (await rows()).find((k) => !k.retiredAt);
      if (!active) throw new Error('no active signing key');
      let key = privateKeys.get(active.kid);
      if (!key) {
        key = (await importJWK(
          JSON.parse(unseal(opts.secret, 'identity-signing-keys', active.privateJwkEncrypted)) as JWK,
          ALG,
        )) as CryptoKey;
        privateKeys.set(active.kid, key);
      }
      return { kid: active.kid, key };
    },
    async jwks() {
      return { keys: verifying(await rows()).map((k) => k.publicJwk as JWK) };
    },
    async rotate() {
      const em = opts.em().fork();
      await em.transactional(async (tx) => {
        await tx.getConnection().execute(`select pg_advisory_xact_lock(hashtext('identity.signing_keys'))`);
        await tx.nativeUpdate(SigningKey, { retiredAt: null }, { retiredAt: new Date() });
        await create(tx);
      });
      const list = await rows(true);
      return list.find((k) => !k.retiredAt)!.kid;
    },
    getKey: async (header) => {
      if (header.alg !== ALG) throw new errors.JOSEAlgNotAllowed('unsupported alg');
      if (!header.kid) throw new errors.JWKSNoMatchingKey();
      const key = (await publicKey(header.kid, false)) ?? (await publicKey(header.kid, true));
      if (!key) throw new errors.JWKSNoMatchingKey();
      return key;
    },
  };
}
