/**
 * The catalog of notification events: typed variables, default channels per role, and the content
 * in every supported locale (Spanish and English). Adding an event = adding an entry here.
 */
import { hasOwnKey } from '@faena/platform';
import type { ChannelName } from './entities.ts';

export const LOCALES = ['es', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

/** A variable's kind decides its validation, its TypeScript type and how it is formatted per locale. */
export interface VariableKinds {
  string: string;
  number: number;
  /** http(s) URL. */
  url: string;
  /** ISO 8601 date or date-time; formatted in the recipient's locale. */
  date: string;
  /** Minor units (a number, or a bigint as a string of digits) and ISO 4217 currency; formatted in the recipient's locale. */
  money: { amount: number | string; currency: string };
}
export type VariableKind = keyof VariableKinds;

export interface VariableSpec {
  kind: VariableKind;
  /** Never stored in the history (e.g. a password reset link): rendered as `[redacted]` there. */
  secret?: boolean;
}

/** On for everyone (`true`), off (`false`), or on only for recipients holding one of these roles. */
export type ChannelDefault = boolean | readonly string[];

export interface Content {
  subject: string;
  text: string;
  html: string;
  /** One line for the in-app inbox (defaults to the subject). */
  inApp?: string;
}

export interface TemplateDef {
  description: string;
  variables: Readonly<Record<string, VariableSpec>>;
  channels: Readonly<Partial<Record<ChannelName, ChannelDefault>>>;
  /** Transactional: preferences cannot turn it off (password resets). */
  mandatory?: boolean;
  content: Readonly<Record<Locale, Content>>;
}

const MANAGERS = ['owner', 'admin', 'manager'] as const;

export const TEMPLATES = {
  'password.reset': {
    description: 'A password reset link (identity)',
    mandatory: true,
    variables: {
      name: { kind: 'string' },
      resetUrl: { kind: 'url', secret: true },
      expiresInMinutes: { kind: 'number' },
    },
    channels: { email: true },
    content: {
      es: {
        subject: 'Restablecé tu contraseña',
        text: 'Hola {{name}}:\n\nPara elegir una contraseña nueva abrí este enlace (vale {{expiresInMinutes}} minutos y un solo uso):\n{{resetUrl}}\n\nSi no lo pediste, ignorá este correo: tu contraseña no cambia.',
        html: '<p>Hola {{name}}:</p><p>Para elegir una contraseña nueva abrí <a href="{{resetUrl}}">este enlace</a>. Vale {{expiresInMinutes}} minutos y un solo uso.</p><p>Si no lo pediste, ignorá este correo: tu contraseña no cambia.</p>',
      },
      en: {
        subject: 'Reset your password',
        text: 'Hi {{name}},\n\nOpen this link to choose a new password (valid for {{expiresInMinutes}} minutes, single use):\n{{resetUrl}}\n\nIf you did not ask for it, ignore this email: your password does not change.',
        html: '<p>Hi {{name}},</p><p>Open <a href="{{resetUrl}}">this link</a> to choose a new password. It is valid for {{expiresInMinutes}} minutes and works once.</p><p>If you did not ask for it, ignore this email: your password does not change.</p>',
      },
    },
  },
  'membership.renewal_reminder': {
    description: 'A membership renews soon (gym)',
    variables: {
      name: { kind: 'string' },
      planName: { kind: 'string' },
      renewsOn: { kind: 'date' },
      amount: { kind: 'money' },
    },
    channels: { email: true, in_app: true },
    content: {
      es: {
        subject: 'Tu plan {{planName}} se renueva el {{renewsOn}}',
        text: 'Hola {{name}}:\n\nTu plan {{planName}} se renueva el {{renewsOn}} por {{amount}}.',
        html: '<p>Hola {{name}}:</p><p>Tu plan <strong>{{planName}}</strong> se renueva el {{renewsOn}} por {{amount}}.</p>',
        inApp: 'Tu plan {{planName}} se renueva el {{renewsOn}}',
      },
      en: {
        subject: 'Your {{planName}} plan renews on {{renewsOn}}',
        text: 'Hi {{name}},\n\nYour {{planName}} plan renews on {{renewsOn}} for {{amount}}.',
        html: '<p>Hi {{name}},</p><p>Your <strong>{{planName}}</strong> plan renews on {{renewsOn}} for {{amount}}.</p>',
        inApp: 'Your {{planName}} plan renews on {{renewsOn}}',
      },
    },
  },
  'print.fallback': {
    description: 'A kitchen ticket could not be printed; the PDF goes by email (POS)',
    variables: {
      branchName: { kind: 'string' },
      orderNumber: { kind: 'string' },
      printerName: { kind: 'string' },
    },
    channels: { email: MANAGERS, in_app: ['manager', 'kitchen', 'cashier'] },
    content: {
      es: {
        subject: 'Comanda {{orderNumber}} sin imprimir en {{branchName}}',
        text: 'La impresora {{printerName}} no respondió. Adjuntamos la comanda {{orderNumber}} en PDF.',
        html: '<p>La impresora <strong>{{printerName}}</strong> no respondió.</p><p>Adjuntamos la comanda {{orderNumber}} en PDF.</p>',
      },
      en: {
        subject: 'Ticket {{orderNumber}} not printed at {{branchName}}',
        text: 'Printer {{printerName}} did not answer. Ticket {{orderNumber}} is attached as a PDF.',
        html: '<p>Printer <strong>{{printerName}}</strong> did not answer.</p><p>Ticket {{orderNumber}} is attached as a PDF.</p>',
      },
    },
  },
  'cash.daily_report': {
    description: 'The nightly cash report of a branch (POS)',
    variables: {
      branchName: { kind: 'string' },
      businessDate: { kind: 'date' },
      totalSales: { kind: 'money' },
      cashDifference: { kind: 'money' },
    },
    channels: { email: MANAGERS, in_app: false },
    content: {
      es: {
        subject: 'Cierre de caja de {{branchName}} del {{businessDate}}',
        text: 'Ventas: {{totalSales}}\nDiferencia de caja: {{cashDifference}}',
        html: '<p>Ventas: <strong>{{totalSales}}</strong></p><p>Diferencia de caja: {{cashDifference}}</p>',
      },
      en: {
        subject: '{{branchName}} cash report for {{businessDate}}',
        text: 'Sales: {{totalSales}}\nCash difference: {{cashDifference}}',
        html: '<p>Sales: <strong>{{totalSales}}</strong></p><p>Cash difference: {{cashDifference}}</p>',
      },
    },
  },
  'escrow.funded': {
    description: 'The client paid into escrow for a job (marketplace)',
    variables: { title: { kind: 'string' }, amount: { kind: 'money' } },
    channels: { email: true, in_app: true },
    content: {
      es: {
        subject: 'Pago en garantía: {{title}}',
        text: 'Recibimos {{amount}} en garantía por «{{title}}». Se libera al profesional cuando el trabajo se confirma.',
        html: '<p>Recibimos {{amount}} en garantía por «{{title}}». Se libera al profesional cuando el trabajo se confirma.</p>',
      },
      en: {
        subject: 'Payment held in escrow: {{title}}',
        text: 'We received {{amount}} in escrow for "{{title}}". It is released to the professional once the job is confirmed.',
        html: '<p>We received {{amount}} in escrow for "{{title}}". It is released to the professional once the job is confirmed.</p>',
      },
    },
  },
  'escrow.payment_expired': {
    description: 'The payment window of a job ended unpaid; the job is cancelled (marketplace)',
    variables: { title: { kind: 'string' }, amount: { kind: 'money' } },
    channels: { email: true, in_app: true },
    content: {
      es: {
        subject: 'Trabajo cancelado por falta de pago: {{title}}',
        text: 'El pago de {{amount}} por «{{title}}» no llegó a tiempo y el trabajo se canceló.',
        html: '<p>El pago de {{amount}} por «{{title}}» no llegó a tiempo y el trabajo se canceló.</p>',
      },
      en: {
        subject: 'Job cancelled, payment not received: {{title}}',
        text: 'The payment of {{amount}} for "{{title}}" did not arrive in time, so the job was cancelled.',
        html: '<p>The payment of {{amount}} for "{{title}}" did not arrive in time, so the job was cancelled.</p>',
      },
    },
  },
  'escrow.payment_failed': {
    description:
      'The payment of an accepted offer could not be taken; nothing is held and the client can accept again with another method (marketplace)',
    variables: { title: { kind: 'string' }, amount: { kind: 'money' }, reason: { kind: 'string' } },
    channels: { email: true, in_app: true },
    content: {
      es: {
        subject: 'No pudimos cobrar el pago: {{title}}',
        text: 'El pago de {{amount}} por «{{title}}» no se pudo realizar ({{reason}}). No se retuvo dinero: el cliente puede aceptar la oferta otra vez con otro medio de pago.',
        html: '<p>El pago de {{amount}} por «{{title}}» no se pudo realizar ({{reason}}). No se retuvo dinero: el cliente puede aceptar la oferta otra vez con otro medio de pago.</p>',
      },
      en: {
        subject: 'The payment could not be taken: {{title}}',
        text: 'The payment of {{amount}} for "{{title}}" could not be taken ({{reason}}). Nothing was held: the client can accept the offer again with another payment method.',
        html: '<p>The payment of {{amount}} for "{{title}}" could not be taken ({{reason}}). Nothing was held: the client can accept the offer again with another payment method.</p>',
      },
    },
  },
  'escrow.late_refund': {
    description: 'A payment arrived after its job had ended and was refunded in full (marketplace)',
    variables: { title: { kind: 'string' }, amount: { kind: 'money' } },
    channels: { email: true, in_app: true },
    content: {
      es: {
        subject: 'Te devolvimos un pago: {{title}}',
        text: 'Recibimos {{amount}} por «{{title}}» después de que el trabajo terminó, así que te lo devolvimos completo.',
        html: '<p>Recibimos {{amount}} por «{{title}}» después de que el trabajo terminó, así que te lo devolvimos completo.</p>',
      },
      en: {
        subject: 'We refunded a payment: {{title}}',
        text: 'We received {{amount}} for "{{title}}" after the job had ended, so we refunded all of it.',
        html: '<p>We received {{amount}} for "{{title}}" after the job had ended, so we refunded all of it.</p>',
      },
    },
  },
  'escrow.delayed': {
    description: 'A refund or payout of a job is delayed and waits for the operations team (marketplace)',
    variables: { title: { kind: 'string' } },
    channels: { email: true, in_app: true },
    content: {
      es: {
        subject: 'Demora en el movimiento de dinero: {{title}}',
        text: 'El reembolso o el pago de «{{title}}» está demorado por un problema con el medio de pago. Nuestro equipo ya lo está resolviendo; el dinero sigue resguardado.',
        html: '<p>El reembolso o el pago de «{{title}}» está demorado por un problema con el medio de pago. Nuestro equipo ya lo está resolviendo; el dinero sigue resguardado.</p>',
      },
      en: {
        subject: 'Money movement delayed: {{title}}',
        text: 'The refund or payout of "{{title}}" is delayed by a problem with the payment provider. Our team is on it; the money stays safe in escrow.',
        html: '<p>The refund or payout of "{{title}}" is delayed by a problem with the payment provider. Our team is on it; the money stays safe in escrow.</p>',
      },
    },
  },
  'escrow.completed': {
    description: 'The professional marked the job completed; the client can approve or dispute (marketplace)',
    variables: { title: { kind: 'string' }, amount: { kind: 'money' } },
    channels: { email: true, in_app: true },
    content: {
      es: {
        subject: 'Trabajo terminado: {{title}}',
        text: 'El profesional marcó «{{title}}» como terminado. Aprobalo o abrí una disputa antes de que venza el plazo; si no, se aprueba solo.',
        html: '<p>El profesional marcó «{{title}}» como terminado. Aprobalo o abrí una disputa antes de que venza el plazo; si no, se aprueba solo.</p>',
      },
      en: {
        subject: 'Job completed: {{title}}',
        text: 'The professional marked "{{title}}" as completed. Approve it or open a dispute before the window ends; otherwise it is approved automatically.',
        html: '<p>The professional marked "{{title}}" as completed. Approve it or open a dispute before the window ends; otherwise it is approved automatically.</p>',
      },
    },
  },
  'escrow.disputed': {
    description: 'The client disputed a job; an operator will decide (marketplace)',
    variables: { title: { kind: 'string' }, amount: { kind: 'money' }, reason: { kind: 'string' } },
    channels: { email: true, in_app: true },
    content: {
      es: {
        subject: 'Disputa abierta: {{title}}',
        text: 'Se abrió una disputa por «{{title}}» ({{amount}}): {{reason}}. Un operador la resolverá.',
        html: '<p>Se abrió una disputa por «{{title}}» ({{amount}}): {{reason}}. Un operador la resolverá.</p>',
      },
      en: {
        subject: 'Dispute opened: {{title}}',
        text: 'A dispute was opened for "{{title}}" ({{amount}}): {{reason}}. An operator will resolve it.',
        html: '<p>A dispute was opened for "{{title}}" ({{amount}}): {{reason}}. An operator will resolve it.</p>',
      },
    },
  },
  'escrow.resolved': {
    description: 'An operator resolved a dispute: refund and payout (marketplace)',
    variables: { title: { kind: 'string' }, refund: { kind: 'money' }, payout: { kind: 'money' } },
    channels: { email: true, in_app: true },
    content: {
      es: {
        subject: 'Disputa resuelta: {{title}}',
        text: 'La disputa por «{{title}}» se resolvió: {{refund}} de reembolso al cliente y {{payout}} para el profesional.',
        html: '<p>La disputa por «{{title}}» se resolvió: {{refund}} de reembolso al cliente y {{payout}} para el profesional.</p>',
      },
      en: {
        subject: 'Dispute resolved: {{title}}',
        text: 'The dispute over "{{title}}" was resolved: {{refund}} refunded to the client and {{payout}} paid to the professional.',
        html: '<p>The dispute over "{{title}}" was resolved: {{refund}} refunded to the client and {{payout}} paid to the professional.</p>',
      },
    },
  },
  'escrow.cancelled': {
    description: 'A job was cancelled before completion; the client is refunded (marketplace)',
    variables: { title: { kind: 'string' }, amount: { kind: 'money' }, reason: { kind: 'string' } },
    channels: { email: true, in_app: true },
    content: {
      es: {
        subject: 'Trabajo cancelado: {{title}}',
        text: '«{{title}}» se canceló ({{reason}}). Se reembolsan {{amount}} al cliente.',
        html: '<p>«{{title}}» se canceló ({{reason}}). Se reembolsan {{amount}} al cliente.</p>',
      },
      en: {
        subject: 'Job cancelled: {{title}}',
        text: '"{{title}}" was cancelled ({{reason}}). {{amount}} is refunded to the client.',
        html: '<p>"{{title}}" was cancelled ({{reason}}). {{amount}} is refunded to the client.</p>',
      },
    },
  },
  'escrow.released': {
    description: 'Escrow was released to the professional (marketplace)',
    variables: { title: { kind: 'string' }, amount: { kind: 'money' } },
    channels: { email: true, in_app: true },
    content: {
      es: {
        subject: 'Pago liberado: {{title}}',
        text: 'Liberamos {{amount}} por «{{title}}».',
        html: '<p>Liberamos {{amount}} por «{{title}}».</p>',
      },
      en: {
        subject: 'Payment released: {{title}}',
        text: 'We released {{amount}} for "{{title}}".',
        html: '<p>We released {{amount}} for "{{title}}".</p>',
      },
    },
  },
} as const satisfies Record<string, TemplateDef>;

export type EventType = keyof typeof TEMPLATES;
export const EVENT_TYPES = Object.keys(TEMPLATES).filter((e): e is EventType => hasOwnKey(TEMPLATES, e));

type VariablesOf<V> = {
  -readonly [K in keyof V]: V[K] extends { kind: infer Kind extends VariableKind }
    ? VariableKinds[Kind]
    : never;
};

/** The variables `notify` needs for each event, typed from the catalog. */
export type EventVariables = { [E in EventType]: VariablesOf<(typeof TEMPLATES)[E]['variables']> };

export const templateOf = (event: string): TemplateDef | undefined =>
  hasOwnKey(TEMPLATES, event) ? TEMPLATES[event] : undefined;
