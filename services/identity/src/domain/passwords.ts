import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import Joi from 'joi';

/** OWASP's minimum for argon2id: 19 MiB, 2 iterations, 1 lane. */
export const ARGON2_PARAMS = {
  type: argon2.argon2id,
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
} as const;

export const passwordSchema = Joi.string().min(12).max(256);

export const hashPassword = (password: string): Promise<string> => argon2.hash(password, ARGON2_PARAMS);

let dummyHash: Promise<string> | undefined;

/**
 * Verifies a password against a stored hash. With no hash (unknown email, invited user) it still
 * runs one argon2 verification against a dummy hash, so both cases take the same time.
 */
export async function verifyPassword(hash: string | null | undefined, password: string): Promise<boolean> {
  dummyHash ??= hashPassword(randomBytes(18).toString('base64'));
  const ok = await argon2.verify(hash ?? (await dummyHash), password);
  return Boolean(hash) && ok;
}
