import { errorMessage, isErrnoException } from '@faena/platform';
/**
 * The sandbox's state: merchants (access token → webhook secret and webhook faults), payments with
 * their refunds, and idempotency keys. In memory, and also in a JSON file when one is given: loaded
 * at start, rewritten after every change atomically (a temporary file renamed over it), so a
 * restart (or a crash mid-write) finds the last complete state. Notifications waiting for their
 * delay are not stored: a restart drops them (resend with `/sandbox/payments/:id/notify`).
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Joi from 'joi';
import type { SandboxStatus } from './outcomes.ts';

export interface WebhookFaults {
  /** Every notification of the merchant waits this long (null: the sandbox's default delay). */
  delayMs: number | null;
  /** Extra copies of each notification (same notification id, signed again). */
  duplicates: number;
  /** Hold notifications and deliver each batch in reverse order of creation, after the delay. */
  reorder: boolean;
}

export interface Merchant {
  webhookSecret: string;
  webhooks: WebhookFaults;
}

export interface SandboxRefund {
  id: number;
  amount: number;
  date_created: string;
}

export interface SandboxPayment {
  id: number;
  accessToken: string;
  status: SandboxStatus;
  status_detail: string;
  transaction_amount: number;
  currency_id: string;
  description: string;
  external_reference: string | null;
  notification_url: string | null;
  payer: { email: string | null; first_name: string | null };
  metadata: Record<string, unknown>;
  refunds: SandboxRefund[];
  date_created: string;
  date_approved: string | null;
  date_last_updated: string;
}

interface StateFile {
  version: 1;
  nextId: number;
  merchants: Record<string, Merchant>;
  payments: SandboxPayment[];
  idempotency: Record<string, number>;
}

/** The state file as read back: what `save` writes (a merchant's faults may lack newer keys: defaults fill them). */
const stateFileSchema = Joi.object<StateFile>({
  version: Joi.valid(1).required(),
  nextId: Joi.number().integer().required(),
  merchants: Joi.object()
    .required()
    .pattern(
      Joi.string(),
      Joi.object({
        webhookSecret: Joi.string().required(),
        webhooks: Joi.object({
          delayMs: Joi.number().integer().allow(null),
          duplicates: Joi.number().integer(),
          reorder: Joi.boolean(),
        }).default({}),
      }).unknown(),
    ),
  payments: Joi.array()
    .items(
      Joi.object({
        id: Joi.number().integer().required(),
        accessToken: Joi.string().required(),
        status: Joi.string().valid('approved', 'pending', 'rejected', 'cancelled', 'refunded').required(),
        status_detail: Joi.string().allow('').required(),
        transaction_amount: Joi.number().required(),
        currency_id: Joi.string().allow('').required(),
        description: Joi.string().allow('').required(),
        external_reference: Joi.string().allow('', null).required(),
        notification_url: Joi.string().allow('', null).required(),
        payer: Joi.object({
          email: Joi.string().allow('', null).required(),
          first_name: Joi.string().allow('', null).required(),
        }).required(),
        metadata: Joi.object().unknown().required(),
        refunds: Joi.array()
          .items(
            Joi.object({
              id: Joi.number().integer().required(),
              amount: Joi.number().required(),
              date_created: Joi.string().required(),
            }),
          )
          .required(),
        date_created: Joi.string().required(),
        date_approved: Joi.string().allow(null).required(),
        date_last_updated: Joi.string().required(),
      }).unknown(),
    )
    .required(),
  idempotency: Joi.object().pattern(Joi.string(), Joi.number().integer()).required(),
}).unknown();

export const NO_FAULTS: WebhookFaults = { delayMs: null, duplicates: 0, reorder: false };

export interface SandboxStore {
  merchants: Map<string, Merchant>;
  payments: Map<number, SandboxPayment>;
  /** `<token>:<key>` → payment id; `<token>:refund:<payment id>:<key>` → refund id. */
  idempotency: Map<string, number>;
  newId(): number;
  /** Writes the state file (when there is one); call after every change. */
  save(): void;
}

export function openStore(file?: string): SandboxStore {
  let nextId = 1_000_000 + Math.floor(Math.random() * 1_000_000);
  const merchants = new Map<string, Merchant>();
  const payments = new Map<number, SandboxPayment>();
  const idempotency = new Map<string, number>();
  if (file) {
    let raw: string | null = null;
    try {
      raw = readFileSync(file, 'utf8');
    } catch (err) {
      if (!isErrnoException(err) || err.code !== 'ENOENT') throw err;
    }
    if (raw !== null) {
      let state: StateFile;
      try {
        state = Joi.attempt(JSON.parse(raw), stateFileSchema);
      } catch (err) {
        // Refuse rather than start empty and overwrite it: delete the file to reset the sandbox.
        throw new Error(`sandbox state file ${file} is unreadable (${errorMessage(err)})`, {
          cause: err,
        });
      }
      nextId = state.nextId;
      for (const [token, m] of Object.entries(state.merchants))
        merchants.set(token, { webhookSecret: m.webhookSecret, webhooks: { ...NO_FAULTS, ...m.webhooks } });
      for (const p of state.payments) payments.set(p.id, p);
      for (const [k, v] of Object.entries(state.idempotency)) idempotency.set(k, v);
    }
  }
  const save = () => {
    if (!file) return;
    const state: StateFile = {
      version: 1,
      nextId,
      merchants: Object.fromEntries(merchants),
      payments: [...payments.values()],
      idempotency: Object.fromEntries(idempotency),
    };
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, `${JSON.stringify(state, null, 1)}\n`, { mode: 0o600 });
      renameSync(tmp, file);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
  };
  return { merchants, payments, idempotency, newId: () => nextId++, save };
}
