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
import { parseJsonObject, seal, unseal } from '@faena/platform';
import { SigningKey } from './entities.ts';

/** An EC JWK imports as a CryptoKey (only symmetric `oct` keys come back as bytes). */
async function asKey(imported: Promise<CryptoKey | Uint8Array>): Promise<CryptoKey> {
  const key = await imported;
  if (key instanceof Uint8Array) throw new Error('expected an asymmetric key');
  return key;
}

const ALG = 'ES256';

export interface KeyStore {
  /** The key new tokens are signed with; created on first use. */
  signingKey(): Promise<{ kid: string; key: CryptoKey }>;
  /** The public keys that verify: the active one and those retired less than a token lifetime ago. */
  jwks(): Promise<{ keys: JWK[] }>;
  /**
   * Makes a new key active. The previous one's private half is deleted at once (it never signs
   * again); its public half keeps verifying until its tokens have expired, then its row is deleted.
   */
  rotate(): Promise<string>;
  /** jose key getter over `jwks()`, reloading once when a token names an unknown kid. */
  getKey: JWTVerifyGetKey;
}

/**
 * ES256 signing keys kept in the identity schema, private halves encrypted with AES-256-GCM under
 * a key derived from KEY_ENCRYPTION_SECRET. Every replica reads the same keys; a short cache keeps
 * signing and verification off the database.
 *
 * Retirement: only the active key signs, so a retired key's private half is useless and is deleted
 * in the same transaction that retires it (a later leak of the database or the secret cannot sign
 * with it). Its public half stays in the JWKS for the verification window — one access-token
 * lifetime plus a minute (replicas may sign with a cached active key for up to `cacheMs` after a
 * rotation, and guards allow 5 s of clock skew) — after which no token it signed can be valid and
 * the row is deleted (at the next rotation or the next reload of the keys, whichever comes first).
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
    if (list.length > verifying(list).length) {
      await prune(em);
      list = verifying(list);
    }
    const active = list.find((k) => !k.retiredAt)?.kid;
    for (const kid of privateKeys.keys()) if (kid !== active) privateKeys.delete(kid);
    for (const kid of publicKeys.keys()) if (!list.some((k) => k.kid === kid)) publicKeys.delete(kid);
    cache = { at: Date.now(), rows: list };
    return list;
  }

  const windowMs = (opts.accessTtlSeconds + 60) * 1000;
  /** Keys retired before this instant verify nothing any more. */
  const horizon = () => new Date(Date.now() - windowMs);
  const verifying = (list: SigningKey[]) =>
    list.filter((k) => !k.retiredAt || k.retiredAt.getTime() > horizon().getTime());

  /** Deletes the rows of keys whose verification window has passed. */
  const prune = (em: EntityManager) => em.nativeDelete(SigningKey, { retiredAt: { $lt: horizon() } });

  async function publicKey(kid: string, force: boolean): Promise<CryptoKey | undefined> {
    const row = verifying(await rows(force)).find((k) => k.kid === kid);
    if (!row) return undefined;
    let key = publicKeys.get(kid);
    if (!key) {
      key = await asKey(importJWK(row.publicJwk, ALG));
      publicKeys.set(kid, key);
    }
    return key;
  }

  return {
    async signingKey() {
      const active = (await rows()).find((k) => !k.retiredAt);
      if (!active?.privateJwkEncrypted) throw new Error('no active signing key');
      let key = privateKeys.get(active.kid);
      if (!key) {
        key = await asKey(
          importJWK(
            parseJsonObject(unseal(opts.secret, 'identity-signing-keys', active.privateJwkEncrypted)),
            ALG,
          ),
        );
        privateKeys.set(active.kid, key);
      }
      return { kid: active.kid, key };
    },
    async jwks() {
      return { keys: verifying(await rows()).map((k) => k.publicJwk) };
    },
    async rotate() {
      const em = opts.em().fork();
      await em.transactional(async (tx) => {
        await tx.getConnection().execute(`select pg_advisory_xact_lock(hashtext('identity.signing_keys'))`);
        await tx.nativeUpdate(
          SigningKey,
          { retiredAt: null },
          { retiredAt: new Date(), privateJwkEncrypted: null },
        );
        await prune(tx);
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
