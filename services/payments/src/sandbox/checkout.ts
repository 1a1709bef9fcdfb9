/**
 * The sandbox checkout page (`ticket_url`): a self-contained HTML page in Spanish and English, no
 * external assets, where a payer "pays" a pending payment with a test cardholder name or declines
 * it. Every value put in the page is escaped.
 */
import { currencyDigits } from '@faena/platform/money';
import { TEST_NAMES } from './outcomes.ts';
import type { SandboxPayment } from './store.ts';

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
export const escapeHtml = (v: unknown): string => String(v).replace(/[&<>"']/g, (c) => ENTITIES[c]!);

/** `150.000 CLP`, `1.999,50 ARS`: the amount with its currency's ISO 4217 digits (not Intl's: COP). */
export function formatAmount(amount: number, currency: string): string {
  try {
    const digits = currencyDigits(currency);
    return new Intl.NumberFormat('es', {
      style: 'currency',
      currency,
      currencyDisplay: 'code',
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(amount);
  } catch {
    return `${amount} ${currency}`; // not an ISO 4217 code
  }
}

/** Headers of every checkout page: nothing loads from elsewhere, the form posts only here. */
export const PAGE_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
};

const STYLE = `body{font-family:system-ui,sans-serif;background:#f3f4f6;color:#111;margin:0}
main{max-width:30rem;margin:2rem auto;background:#fff;border-radius:.75rem;padding:1.5rem 2rem;box-shadow:0 1px 4px #0002}
.tag{color:#6b7280;font-size:.8rem;text-transform:uppercase;letter-spacing:.05em}
.amount{font-size:2rem;font-weight:700;margin:.25rem 0}
.error{background:#fee2e2;padding:.5rem;border-radius:.375rem}
label{display:block;font-weight:600;margin-top:1rem}
input{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem;margin-top:.25rem}
ul{font-size:.85rem;color:#374151;padding-left:1.2rem}
code{font-weight:700}
.actions{display:flex;gap:.75rem;margin-top:1rem}
button{flex:1;padding:.75rem;font-size:1rem;border:0;border-radius:.375rem;background:#009ee3;color:#fff;cursor:pointer}
button.secondary{background:#e5e7eb;color:#111}`;

const layout = (title: string, body: string) => `<!doctype html>
<html lang="es">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<p class="tag">MercadoPago sandbox · entorno de prueba / test environment</p>
${body}
</main>
</body>
</html>
`;

const summary = (
  p: SandboxPayment,
) => `<p class="amount">${escapeHtml(formatAmount(p.transaction_amount, p.currency_id))}</p>
<p class="description">${escapeHtml(p.description)}</p>
<p class="tag">Pago / Payment #${escapeHtml(p.id)}</p>`;

/** The payment form of a pending payment. */
export function checkoutPage(p: SandboxPayment, error?: string): string {
  const names = Object.entries(TEST_NAMES)
    .map(([n, t]) => `<li><code>${n}</code> ${escapeHtml(t.es)} / ${escapeHtml(t.en)}</li>`)
    .join('\n');
  return layout(
    'Pagar / Pay',
    `<h1>Pagar / Pay</h1>
${summary(p)}
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/sandbox/checkout/${escapeHtml(p.id)}">
<label for="cardholderName">Nombre del titular / Cardholder name</label>
<input id="cardholderName" name="cardholderName" value="APRO" maxlength="100" autocomplete="off">
<p>Nombres de prueba (deciden el resultado) / Test names (they decide the outcome):</p>
<ul>
${names}
</ul>
<div class="actions">
<button type="submit" name="action" value="pay">Pagar / Pay</button>
<button type="submit" name="action" value="reject" class="secondary">Rechazar / Decline</button>
</div>
</form>`,
  );
}

const HEADINGS: Record<SandboxPayment['status'], string> = {
  approved: 'Pago aprobado / Payment approved',
  pending: 'Pago pendiente / Payment pending',
  rejected: 'Pago rechazado / Payment declined',
  cancelled: 'Pago cancelado / Payment cancelled',
  refunded: 'Pago devuelto / Payment refunded',
};

/** Where a payment stands: after paying, or when it is no longer pending. */
export function resultPage(p: SandboxPayment, note?: string): string {
  return layout(
    HEADINGS[p.status],
    `<h1>${escapeHtml(HEADINGS[p.status])}</h1>
${summary(p)}
${note ? `<p>${escapeHtml(note)}</p>` : ''}
<p>Estado / Status: <code class="status">${escapeHtml(p.status)}</code> (<code>${escapeHtml(p.status_detail)}</code>)</p>`,
  );
}

export const notFoundPage = (): string =>
  layout(
    'Pago no encontrado / Payment not found',
    '<h1>Pago no encontrado / Payment not found</h1>\n<p>Revisá el enlace / Check the link.</p>',
  );
