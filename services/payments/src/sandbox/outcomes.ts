/**
 * What a sandbox payment turns into. Like MercadoPago's test cards, the cardholder's (payer's)
 * first name picks the result; the older ways (metadata.sandbox_outcome, a `[sandbox:…]` tag in the
 * description, the payer email's local part) take the same words: an outcome (approve | reject |
 * pending) or a test name (APRO, CONT, OTHE, FUND, SECU, EXPI, CALL), in any case.
 */
import { hasOwnKey, isRecord } from '@faena/platform';

export type SandboxStatus = 'approved' | 'pending' | 'rejected' | 'cancelled' | 'refunded';
export type Outcome = 'approve' | 'reject' | 'pending';

export interface Resolution {
  status: 'approved' | 'pending' | 'rejected' | 'cancelled';
  status_detail: string;
}

/** MercadoPago's test cardholder names and the status / status_detail each one produces. */
export const TEST_NAMES = {
  APRO: { status: 'approved', status_detail: 'accredited', es: 'Pago aprobado', en: 'Approved' },
  CONT: { status: 'pending', status_detail: 'pending_contingency', es: 'Pago pendiente', en: 'Pending' },
  OTHE: {
    status: 'rejected',
    status_detail: 'cc_rejected_other_reason',
    es: 'Rechazado por error general',
    en: 'Declined, general error',
  },
  FUND: {
    status: 'rejected',
    status_detail: 'cc_rejected_insufficient_amount',
    es: 'Rechazado por importe insuficiente',
    en: 'Declined, insufficient amount',
  },
  SECU: {
    status: 'rejected',
    status_detail: 'cc_rejected_bad_filled_security_code',
    es: 'Rechazado por código de seguridad inválido',
    en: 'Declined, invalid security code',
  },
  EXPI: {
    status: 'rejected',
    status_detail: 'cc_rejected_bad_filled_date',
    es: 'Rechazado por fecha de vencimiento',
    en: 'Declined, expiration date',
  },
  CALL: {
    status: 'rejected',
    status_detail: 'cc_rejected_call_for_authorize',
    es: 'Rechazado, llamar para autorizar',
    en: 'Declined, call to authorize',
  },
} as const satisfies Record<string, Resolution & { es: string; en: string }>;
export type TestName = keyof typeof TEST_NAMES;

/** A payment left pending without a test name waits for its payer (the checkout page). */
export const WAITING: Resolution = { status: 'pending', status_detail: 'pending_waiting_payment' };
export const EXPIRED: Resolution = { status: 'cancelled', status_detail: 'expired' };

const OUTCOMES: Record<Outcome, Resolution> = {
  approve: TEST_NAMES.APRO,
  reject: TEST_NAMES.OTHE,
  pending: WAITING,
};

const only = ({ status, status_detail }: Resolution): Resolution => ({ status, status_detail });

/** The test name a cardholder name starts with (`APRO`, `apro perez`…), if any. */
export function testName(name: unknown): TestName | undefined {
  if (typeof name !== 'string') return undefined;
  const word = name.trim().split(/\s+/)[0]?.toUpperCase() ?? '';
  return hasOwnKey(TEST_NAMES, word) ? word : undefined;
}

/** An outcome word or a test name → its resolution; anything else → undefined. */
export function resolve(word: unknown): Resolution | undefined {
  if (typeof word !== 'string') return undefined;
  const lower = word.trim().toLowerCase();
  if (hasOwnKey(OUTCOMES, lower)) return only(OUTCOMES[lower]);
  const name = testName(word);
  return name ? only(TEST_NAMES[name]) : undefined;
}

const record = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});

/** The payer's first name as MercadoPago takes it: `payer.first_name`, else `additional_info.payer.first_name`. */
export function payerFirstName(body: Record<string, unknown>): string | null {
  const direct = record(body.payer).first_name;
  const additional = record(record(body.additional_info).payer).first_name;
  const name = typeof direct === 'string' && direct.trim() ? direct : additional;
  return typeof name === 'string' && name.trim() ? name.trim().slice(0, 100) : null;
}

/**
 * The result of `POST /v1/payments`, first match wins: metadata.sandbox_outcome, a `[sandbox:<word>]`
 * tag in the description, the payer's first name (payer.first_name, additional_info.payer.first_name),
 * the payer email's local part, then the sandbox's default outcome.
 */
export function outcomeOf(body: Record<string, unknown>, defaultOutcome: Outcome): Resolution {
  const description = typeof body.description === 'string' ? body.description : '';
  const email = record(body.payer).email;
  return (
    resolve(record(body.metadata).sandbox_outcome) ??
    resolve(/\[sandbox:([a-z]+)\]/i.exec(description)?.[1]) ??
    resolve(testName(payerFirstName(body))) ??
    resolve(typeof email === 'string' ? email.split('@')[0] : undefined) ??
    only(OUTCOMES[defaultOutcome])
  );
}

export const isOutcome = (v: unknown): v is Outcome => typeof v === 'string' && Object.hasOwn(OUTCOMES, v);
