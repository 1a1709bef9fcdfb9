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
  'membership.renewed': {
    description: 'A membership was renewed: its period was charged from the wallet (gym)',
    variables: {
      name: { kind: 'string' },
      planName: { kind: 'string' },
      amount: { kind: 'money' },
      endsOn: { kind: 'date' },
    },
    channels: { email: true, in_app: true },
    content: {
      es: {
        subject: 'Renovamos tu plan {{planName}}',
        text: 'Hola {{name}}:\n\nRenovamos tu plan {{planName}}: cobramos {{amount}} de tu billetera. Vale hasta el {{endsOn}}.',
        html: '<p>Hola {{name}}:</p><p>Renovamos tu plan <strong>{{planName}}</strong>: cobramos {{amount}} de tu billetera. Vale hasta el {{endsOn}}.</p>',
        inApp: 'Renovamos tu plan {{planName}} ({{amount}})',
      },
      en: {
        subject: 'Your {{planName}} plan was renewed',
        text: 'Hi {{name}},\n\nYour {{planName}} plan was renewed: {{amount}} was charged from your wallet. It is valid until {{endsOn}}.',
        html: '<p>Hi {{name}},</p><p>Your <strong>{{planName}}</strong> plan was renewed: {{amount}} was charged from your wallet. It is valid until {{endsOn}}.</p>',
        inApp: 'Your {{planName}} plan was renewed ({{amount}})',
      },
    },
  },
  'membership.charge_failed': {
    description: 'The renewal charge of a membership was declined; it is tried again (gym)',
    variables: {
      name: { kind: 'string' },
      planName: { kind: 'string' },
      amount: { kind: 'money' },
      attempt: { kind: 'number' },
      attempts: { kind: 'number' },
      retryOn: { kind: 'date' },
    },
    channels: { email: true, in_app: true },
    content: {
      es: {
        subject: 'No pudimos cobrar la renovación de tu plan {{planName}}',
        text: 'Hola {{name}}:\n\nNo pudimos cobrar {{amount}} de tu billetera para renovar tu plan {{planName}} (intento {{attempt}} de {{attempts}}). Cargá saldo: lo intentamos de nuevo el {{retryOn}}.',
        html: '<p>Hola {{name}}:</p><p>No pudimos cobrar {{amount}} de tu billetera para renovar tu plan <strong>{{planName}}</strong> (intento {{attempt}} de {{attempts}}).</p><p>Cargá saldo: lo intentamos de nuevo el {{retryOn}}.</p>',
        inApp: 'No pudimos cobrar la renovación de {{planName}}: reintentamos el {{retryOn}}',
      },
      en: {
        subject: 'We could not charge the renewal of your {{planName}} plan',
        text: 'Hi {{name}},\n\nWe could not charge {{amount}} from your wallet to renew your {{planName}} plan (try {{attempt}} of {{attempts}}). Top up your wallet: we try again on {{retryOn}}.',
        html: '<p>Hi {{name}},</p><p>We could not charge {{amount}} from your wallet to renew your <strong>{{planName}}</strong> plan (try {{attempt}} of {{attempts}}).</p><p>Top up your wallet: we try again on {{retryOn}}.</p>',
        inApp: 'The renewal of {{planName}} could not be charged: we try again on {{retryOn}}',
      },
    },
  },
  'membership.expired': {
    description: 'A membership expired: every renewal charge was declined (gym)',
    variables: {
      name: { kind: 'string' },
      planName: { kind: 'string' },
      amount: { kind: 'money' },
    },
    channels: { email: true, in_app: true },
    content: {
      es: {
        subject: 'Tu plan {{planName}} venció',
        text: 'Hola {{name}}:\n\nNo pudimos cobrar {{amount}} para renovar tu plan {{planName}} y venció. Podés comprarlo de nuevo en recepción o desde la app.',
        html: '<p>Hola {{name}}:</p><p>No pudimos cobrar {{amount}} para renovar tu plan <strong>{{planName}}</strong> y venció.</p><p>Podés comprarlo de nuevo en recepción o desde la app.</p>',
        inApp: 'Tu plan {{planName}} venció: no pudimos cobrar la renovación',
      },
      en: {
        subject: 'Your {{planName}} plan expired',
        text: 'Hi {{name}},\n\nWe could not charge {{amount}} to renew your {{planName}} plan, so it expired. You can buy it again at the front desk or in the app.',
        html: '<p>Hi {{name}},</p><p>We could not charge {{amount}} to renew your <strong>{{planName}}</strong> plan, so it expired.</p><p>You can buy it again at the front desk or in the app.</p>',
        inApp: 'Your {{planName}} plan expired: the renewal could not be charged',
      },
    },
  },
  'membership.refund_delayed': {
    description:
      'A renewal was charged but the next period could not be given, and the refund failed: it is pending, the business retries it (gym)',
    variables: {
      name: { kind: 'string' },
      planName: { kind: 'string' },
      amount: { kind: 'money' },
    },
    channels: { email: true, in_app: true },
    content: {
      es: {
        subject: 'Tu reintegro de {{amount}} está demorado',
        text: 'Hola {{name}}:\n\nCobramos {{amount}} para renovar tu plan {{planName}}, pero no pudimos extenderlo (ya tenés otro plan para esas fechas). El reintegro a tu billetera falló y lo estamos reintentando: no tenés que hacer nada, te avisamos cuando esté hecho.',
        html: '<p>Hola {{name}}:</p><p>Cobramos {{amount}} para renovar tu plan <strong>{{planName}}</strong>, pero no pudimos extenderlo (ya tenés otro plan para esas fechas).</p><p>El reintegro a tu billetera falló y lo estamos reintentando: no tenés que hacer nada.</p>',
        inApp: 'El reintegro de {{amount}} de tu plan {{planName}} está demorado: lo estamos reintentando',
      },
      en: {
        subject: 'Your refund of {{amount}} is delayed',
        text: 'Hi {{name}},\n\nWe charged {{amount}} to renew your {{planName}} plan, but could not extend it (another plan already covers those days). The refund to your wallet failed and we are retrying it: there is nothing you need to do.',
        html: '<p>Hi {{name}},</p><p>We charged {{amount}} to renew your <strong>{{planName}}</strong> plan, but could not extend it (another plan already covers those days).</p><p>The refund to your wallet failed and we are retrying it: there is nothing you need to do.</p>',
        inApp: 'The refund of {{amount}} for your {{planName}} plan is delayed: we are retrying it',
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
  'subscription.trial_ending': {
    description: "The free trial of a business's SaaS plan ends soon; the first charge follows (platform)",
    variables: {
      name: { kind: 'string' },
      planName: { kind: 'string' },
      renewsOn: { kind: 'date' },
      amount: { kind: 'money' },
    },
    channels: { email: true, in_app: true },
    content: {
      es: {
        subject: 'Tu prueba del plan {{planName}} termina pronto',
        text: 'Hola, {{name}}:\n\nTu prueba del plan {{planName}} termina el {{renewsOn}}. Ese día cobraremos {{amount}}.',
        html: '<p>Hola, {{name}}:</p><p>Tu prueba del plan {{planName}} termina el {{renewsOn}}. Ese día cobraremos {{amount}}.</p>',
        inApp: 'Tu prueba del plan {{planName}} termina el {{renewsOn}}',
      },
      en: {
        subject: 'Your {{planName}} trial ends soon',
        text: 'Hi {{name}},\n\nYour {{planName}} trial ends on {{renewsOn}}. We will charge {{amount}} that day.',
        html: '<p>Hi {{name}},</p><p>Your {{planName}} trial ends on {{renewsOn}}. We will charge {{amount}} that day.</p>',
        inApp: 'Your {{planName}} trial ends on {{renewsOn}}',
      },
    },
  },
  'subscription.renewal_reminder': {
    description: "A business's SaaS plan renews soon (platform)",
    variables: {
      name: { kind: 'string' },
      planName: { kind: 'string' },
      renewsOn: { kind: 'date' },
      amount: { kind: 'money' },
    },
    channels: { email: true, in_app: true },
    content: {
      es: {
        subject: 'Tu plan {{planName}} se renueva pronto',
        text: 'Hola, {{name}}:\n\nTu plan {{planName}} se renueva el {{renewsOn}} por {{amount}}.',
        html: '<p>Hola, {{name}}:</p><p>Tu plan {{planName}} se renueva el {{renewsOn}} por {{amount}}.</p>',
        inApp: 'Tu plan {{planName}} se renueva el {{renewsOn}}',
      },
      en: {
        subject: 'Your {{planName}} plan renews soon',
        text: 'Hi {{name}},\n\nYour {{planName}} plan renews on {{renewsOn}} for {{amount}}.',
        html: '<p>Hi {{name}},</p><p>Your {{planName}} plan renews on {{renewsOn}} for {{amount}}.</p>',
        inApp: 'Your {{planName}} plan renews on {{renewsOn}}',
      },
    },
  },
  'subscription.renewed': {
    description: "A business's SaaS plan was renewed and paid (platform)",
    variables: {
      name: { kind: 'string' },
      planName: { kind: 'string' },
      amount: { kind: 'money' },
      endsOn: { kind: 'date' },
    },
    channels: { email: true, in_app: true },
    content: {
      es: {
        subject: 'Renovamos tu plan {{planName}}',
        text: 'Hola, {{name}}:\n\nRenovamos tu plan {{planName}} por {{amount}}. Vale hasta el {{endsOn}}.',
        html: '<p>Hola, {{name}}:</p><p>Renovamos tu plan {{planName}} por {{amount}}. Vale hasta el {{endsOn}}.</p>',
        inApp: 'Renovamos tu plan {{planName}} ({{amount}})',
      },
      en: {
        subject: 'Your {{planName}} plan was renewed',
        text: 'Hi {{name}},\n\nYour {{planName}} plan was renewed for {{amount}}. It is valid until {{endsOn}}.',
        html: '<p>Hi {{name}},</p><p>Your {{planName}} plan was renewed for {{amount}}. It is valid until {{endsOn}}.</p>',
        inApp: 'Your {{planName}} plan was renewed ({{amount}})',
      },
    },
  },
  'subscription.payment_failed': {
    description: "The renewal charge of a business's SaaS plan was not paid; it is tried again (platform)",
    variables: {
      name: { kind: 'string' },
      planName: { kind: 'string' },
      amount: { kind: 'money' },
      attempt: { kind: 'number' },
      attempts: { kind: 'number' },
      retryOn: { kind: 'date' },
      checkoutUrl: { kind: 'string' },
    },
    channels: { email: true, in_app: true },
    content: {
      es: {
        subject: 'No pudimos cobrar tu plan {{planName}}',
        text: 'Hola, {{name}}:\n\nNo pudimos cobrar {{amount}} de tu plan {{planName}} (intento {{attempt}} de {{attempts}}). Lo intentaremos de nuevo el {{retryOn}}; puedes pagar ahora en {{checkoutUrl}}.',
        html: '<p>Hola, {{name}}:</p><p>No pudimos cobrar {{amount}} de tu plan {{planName}} (intento {{attempt}} de {{attempts}}). Lo intentaremos de nuevo el {{retryOn}}; puedes pagar ahora en {{checkoutUrl}}.</p>',
        inApp: 'No pudimos cobrar tu plan {{planName}}',
      },
      en: {
        subject: 'We could not charge your {{planName}} plan',
        text: 'Hi {{name}},\n\nWe could not charge {{amount}} for your {{planName}} plan (try {{attempt}} of {{attempts}}). We will try again on {{retryOn}}; you can pay now at {{checkoutUrl}}.',
        html: '<p>Hi {{name}},</p><p>We could not charge {{amount}} for your {{planName}} plan (try {{attempt}} of {{attempts}}). We will try again on {{retryOn}}; you can pay now at {{checkoutUrl}}.</p>',
        inApp: 'We could not charge your {{planName}} plan',
      },
    },
  },
  'subscription.payment_due': {
    description:
      "The renewal of a business's SaaS plan is due: its checkout link, open until the next try (platform)",
    variables: {
      name: { kind: 'string' },
      planName: { kind: 'string' },
      amount: { kind: 'money' },
      payBy: { kind: 'date' },
      checkoutUrl: { kind: 'string' },
    },
    channels: { email: true, in_app: true },
    content: {
      es: {
        subject: 'Tu plan {{planName}} está listo para renovarse',
        text: 'Hola, {{name}}:\n\nLa renovación de tu plan {{planName}} es de {{amount}}. Págala en {{checkoutUrl}} antes del {{payBy}} para seguir sin interrupciones.',
        html: '<p>Hola, {{name}}:</p><p>La renovación de tu plan {{planName}} es de {{amount}}. Págala en {{checkoutUrl}} antes del {{payBy}} para seguir sin interrupciones.</p>',
        inApp: 'Renueva tu plan {{planName}}: {{amount}}',
      },
      en: {
        subject: 'Your {{planName}} plan is ready to renew',
        text: 'Hi {{name}},\n\nThe renewal of your {{planName}} plan is {{amount}}. Pay it at {{checkoutUrl}} before {{payBy}} to keep going without interruption.',
        html: '<p>Hi {{name}},</p><p>The renewal of your {{planName}} plan is {{amount}}. Pay it at {{checkoutUrl}} before {{payBy}} to keep going without interruption.</p>',
        inApp: 'Renew your {{planName}} plan: {{amount}}',
      },
    },
  },
  'subscription.suspended': {
    description:
      "A business's SaaS plan went unpaid after every try: the business is suspended until it pays (platform)",
    variables: {
      name: { kind: 'string' },
      planName: { kind: 'string' },
      amount: { kind: 'money' },
      checkoutUrl: { kind: 'string' },
    },
    channels: { email: true, in_app: true },
    content: {
      es: {
        subject: 'Tu cuenta está suspendida',
        text: 'Hola, {{name}}:\n\nTu plan {{planName}} quedó sin pagar ({{amount}}) y tu cuenta está suspendida. Paga en {{checkoutUrl}} para reactivarla.',
        html: '<p>Hola, {{name}}:</p><p>Tu plan {{planName}} quedó sin pagar ({{amount}}) y tu cuenta está suspendida. Paga en {{checkoutUrl}} para reactivarla.</p>',
        inApp: 'Tu cuenta está suspendida: paga {{amount}} para reactivarla',
      },
      en: {
        subject: 'Your account is suspended',
        text: 'Hi {{name}},\n\nYour {{planName}} plan went unpaid ({{amount}}) and your account is suspended. Pay at {{checkoutUrl}} to reactivate it.',
        html: '<p>Hi {{name}},</p><p>Your {{planName}} plan went unpaid ({{amount}}) and your account is suspended. Pay at {{checkoutUrl}} to reactivate it.</p>',
        inApp: 'Your account is suspended: pay {{amount}} to reactivate it',
      },
    },
  },
  'subscription.reactivated': {
    description: 'A suspended business paid its SaaS plan and is active again (platform)',
    variables: {
      name: { kind: 'string' },
      planName: { kind: 'string' },
      amount: { kind: 'money' },
      endsOn: { kind: 'date' },
    },
    channels: { email: true, in_app: true },
    content: {
      es: {
        subject: 'Tu cuenta está activa de nuevo',
        text: 'Hola, {{name}}:\n\nRecibimos {{amount}} por tu plan {{planName}}: tu cuenta está activa de nuevo hasta el {{endsOn}}.',
        html: '<p>Hola, {{name}}:</p><p>Recibimos {{amount}} por tu plan {{planName}}: tu cuenta está activa de nuevo hasta el {{endsOn}}.</p>',
        inApp: 'Tu cuenta está activa de nuevo',
      },
      en: {
        subject: 'Your account is active again',
        text: 'Hi {{name}},\n\nWe received {{amount}} for your {{planName}} plan: your account is active again until {{endsOn}}.',
        html: '<p>Hi {{name}},</p><p>We received {{amount}} for your {{planName}} plan: your account is active again until {{endsOn}}.</p>',
        inApp: 'Your account is active again',
      },
    },
  },
  'subscription.expired': {
    description: "A suspended business's SaaS plan ended unpaid (platform)",
    variables: {
      name: { kind: 'string' },
      planName: { kind: 'string' },
      amount: { kind: 'money' },
    },
    channels: { email: true, in_app: true },
    content: {
      es: {
        subject: 'Tu plan {{planName}} terminó',
        text: 'Hola, {{name}}:\n\nTu plan {{planName}} terminó sin pagarse ({{amount}}).',
        html: '<p>Hola, {{name}}:</p><p>Tu plan {{planName}} terminó sin pagarse ({{amount}}).</p>',
        inApp: 'Tu plan {{planName}} terminó',
      },
      en: {
        subject: 'Your {{planName}} plan ended',
        text: 'Hi {{name}},\n\nYour {{planName}} plan ended unpaid ({{amount}}).',
        html: '<p>Hi {{name}},</p><p>Your {{planName}} plan ended unpaid ({{amount}}).</p>',
        inApp: 'Your {{planName}} plan ended',
      },
    },
  },
  'cash.closure_approval_reminder': {
    description:
      "A branch's nightly cash closure has differences beyond the threshold still waiting for a manager's approval (POS)",
    variables: {
      branchName: { kind: 'string' },
      businessDate: { kind: 'date' },
      cashDifference: { kind: 'money' },
    },
    channels: { email: MANAGERS, in_app: MANAGERS },
    content: {
      es: {
        subject: 'Cierre de caja de {{branchName}} del {{businessDate}}: falta tu aprobación',
        text: 'El cierre de caja de {{branchName}} del {{businessDate}} tiene diferencias por {{cashDifference}} sobre el umbral y sigue esperando la aprobación de un encargado.',
        html: '<p>El cierre de caja de {{branchName}} del {{businessDate}} tiene diferencias por <strong>{{cashDifference}}</strong> sobre el umbral.</p><p>Sigue esperando la aprobación de un encargado.</p>',
        inApp: 'Cierre de caja del {{businessDate}} en {{branchName}} esperando aprobación',
      },
      en: {
        subject: '{{branchName}} cash closure for {{businessDate}}: your approval is needed',
        text: 'The {{branchName}} cash closure for {{businessDate}} has differences of {{cashDifference}} beyond the threshold and is still waiting for a manager to approve it.',
        html: '<p>The {{branchName}} cash closure for {{businessDate}} has differences of <strong>{{cashDifference}}</strong> beyond the threshold.</p><p>It is still waiting for a manager to approve it.</p>',
        inApp: '{{branchName}} cash closure for {{businessDate}} waiting for approval',
      },
    },
  },
  'cash.closure_approval_escalated': {
    description:
      "A branch's nightly cash closure waited past the escalation time for a manager's approval; the owners are told (POS)",
    variables: {
      branchName: { kind: 'string' },
      businessDate: { kind: 'date' },
      cashDifference: { kind: 'money' },
    },
    channels: { email: MANAGERS, in_app: MANAGERS },
    content: {
      es: {
        subject: 'Cierre de caja sin aprobar: {{branchName}}, {{businessDate}}',
        text: 'Nadie aprobó todavía las diferencias por {{cashDifference}} del cierre de caja de {{branchName}} del {{businessDate}}. Revisalo y aprobalo, o pedí que se vuelva a contar.',
        html: '<p>Nadie aprobó todavía las diferencias por <strong>{{cashDifference}}</strong> del cierre de caja de {{branchName}} del {{businessDate}}.</p><p>Revisalo y aprobalo, o pedí que se vuelva a contar.</p>',
        inApp: 'Cierre de caja sin aprobar en {{branchName}} ({{businessDate}})',
      },
      en: {
        subject: 'Cash closure not approved: {{branchName}}, {{businessDate}}',
        text: 'Nobody has approved the differences of {{cashDifference}} in the {{branchName}} cash closure for {{businessDate}} yet. Review and approve it, or have it counted again.',
        html: '<p>Nobody has approved the differences of <strong>{{cashDifference}}</strong> in the {{branchName}} cash closure for {{businessDate}} yet.</p><p>Review and approve it, or have it counted again.</p>',
        inApp: 'Cash closure not approved at {{branchName}} ({{businessDate}})',
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
  'gym.booking_confirmed': {
    description: 'A member took a seat offered from the waitlist: the booking is confirmed (gym)',
    variables: { className: { kind: 'string' }, when: { kind: 'string' } },
    channels: { email: true, in_app: true },
    content: {
      es: {
        subject: 'Reserva confirmada: {{className}}',
        text: 'Tu lugar en {{className}} del {{when}} está confirmado. ¡Te esperamos!',
        html: '<p>Tu lugar en <strong>{{className}}</strong> del {{when}} está confirmado. ¡Te esperamos!</p>',
        inApp: 'Reserva confirmada: {{className}}, {{when}}',
      },
      en: {
        subject: 'Booking confirmed: {{className}}',
        text: 'Your seat in {{className}} on {{when}} is confirmed. See you there!',
        html: '<p>Your seat in <strong>{{className}}</strong> on {{when}} is confirmed. See you there!</p>',
        inApp: 'Booking confirmed: {{className}}, {{when}}',
      },
    },
  },
  'gym.seat_offered': {
    description: 'A seat freed in a full class: the first in its waitlist may take it while it is held (gym)',
    variables: {
      className: { kind: 'string' },
      when: { kind: 'string' },
      holdMinutes: { kind: 'number' },
      expiresAt: { kind: 'date' },
    },
    channels: { email: true, in_app: true },
    content: {
      es: {
        subject: 'Se liberó un lugar en {{className}}',
        text: 'Se liberó un lugar en {{className}} del {{when}} y es tuyo si lo aceptás en los próximos {{holdMinutes}} minutos (hasta el {{expiresAt}}). Si no, pasa a la siguiente persona de la lista de espera.',
        html: '<p>Se liberó un lugar en <strong>{{className}}</strong> del {{when}} y es tuyo si lo aceptás en los próximos {{holdMinutes}} minutos (hasta el {{expiresAt}}).</p><p>Si no, pasa a la siguiente persona de la lista de espera.</p>',
        inApp: 'Lugar disponible en {{className}}: aceptalo en {{holdMinutes}} minutos',
      },
      en: {
        subject: 'A seat freed up in {{className}}',
        text: 'A seat freed up in {{className}} on {{when}} and it is yours if you accept it within {{holdMinutes}} minutes (until {{expiresAt}}). Otherwise it goes to the next person on the waitlist.',
        html: '<p>A seat freed up in <strong>{{className}}</strong> on {{when}} and it is yours if you accept it within {{holdMinutes}} minutes (until {{expiresAt}}).</p><p>Otherwise it goes to the next person on the waitlist.</p>',
        inApp: 'Seat available in {{className}}: accept it within {{holdMinutes}} minutes',
      },
    },
  },
  'gym.seat_offer_expired': {
    description:
      'A seat offered from the waitlist was not accepted in time and went to the next in line (gym)',
    variables: { className: { kind: 'string' }, when: { kind: 'string' } },
    channels: { email: true, in_app: true },
    content: {
      es: {
        subject: 'Venció el lugar ofrecido en {{className}}',
        text: 'El lugar que te ofrecimos en {{className}} del {{when}} venció sin respuesta y pasó a la siguiente persona de la lista.',
        html: '<p>El lugar que te ofrecimos en <strong>{{className}}</strong> del {{when}} venció sin respuesta y pasó a la siguiente persona de la lista.</p>',
      },
      en: {
        subject: 'Your seat offer for {{className}} expired',
        text: 'The seat we offered you in {{className}} on {{when}} expired without an answer and went to the next person on the list.',
        html: '<p>The seat we offered you in <strong>{{className}}</strong> on {{when}} expired without an answer and went to the next person on the list.</p>',
      },
    },
  },
  'gym.class_cancelled': {
    description: 'Staff cancelled a class: its bookings are cancelled and pack sessions given back (gym)',
    variables: { className: { kind: 'string' }, when: { kind: 'string' }, reason: { kind: 'string' } },
    channels: { email: true, in_app: true },
    content: {
      es: {
        subject: 'Clase cancelada: {{className}}',
        text: 'La clase {{className}} del {{when}} se canceló ({{reason}}). Tu reserva o tu lugar en la lista de espera quedan anulados y, si usaste una sesión de tu pack, ya te la devolvimos.',
        html: '<p>La clase <strong>{{className}}</strong> del {{when}} se canceló ({{reason}}).</p><p>Tu reserva o tu lugar en la lista de espera quedan anulados y, si usaste una sesión de tu pack, ya te la devolvimos.</p>',
      },
      en: {
        subject: 'Class cancelled: {{className}}',
        text: 'The {{className}} class on {{when}} was cancelled ({{reason}}). Your booking or waitlist place is void and, if it used a session of your pack, it has been given back.',
        html: '<p>The <strong>{{className}}</strong> class on {{when}} was cancelled ({{reason}}).</p><p>Your booking or waitlist place is void and, if it used a session of your pack, it has been given back.</p>',
      },
    },
  },
  'gym.penalty_declined': {
    description:
      "A late cancel's or a no-show's fee could not be charged to the member's wallet: it is owed at the desk (gym)",
    variables: {
      className: { kind: 'string' },
      when: { kind: 'string' },
      amount: { kind: 'money' },
      reason: { kind: 'string' },
    },
    channels: { email: true, in_app: true },
    content: {
      es: {
        subject: 'No pudimos cobrar la multa de {{className}}',
        text: 'No pudimos cobrar de tu billetera la multa de {{amount}} por la clase {{className}} del {{when}} ({{reason}}). Queda pendiente: podés pagarla en recepción.',
        html: '<p>No pudimos cobrar de tu billetera la multa de <strong>{{amount}}</strong> por la clase <strong>{{className}}</strong> del {{when}} ({{reason}}).</p><p>Queda pendiente: podés pagarla en recepción.</p>',
        inApp: 'Multa de {{amount}} por {{className}} pendiente: pagala en recepción',
      },
      en: {
        subject: 'We could not charge the fee for {{className}}',
        text: 'We could not charge the {{amount}} fee for the {{className}} class on {{when}} to your wallet ({{reason}}). It is still owed: you can pay it at the front desk.',
        html: '<p>We could not charge the <strong>{{amount}}</strong> fee for the <strong>{{className}}</strong> class on {{when}} to your wallet ({{reason}}).</p><p>It is still owed: you can pay it at the front desk.</p>',
        inApp: 'A {{amount}} fee for {{className}} is owed: pay it at the front desk',
      },
    },
  },
  'incident.escalated': {
    description: 'An incident nobody acknowledged within its SLA went to the next role (gym)',
    variables: {
      title: { kind: 'string' },
      priority: { kind: 'string' },
      role: { kind: 'string' },
      dueAt: { kind: 'date' },
    },
    channels: { email: MANAGERS, in_app: true },
    content: {
      es: {
        subject: 'Incidencia escalada: {{title}}',
        text: 'Nadie atendió a tiempo la incidencia «{{title}}» (prioridad {{priority}}). Ahora la tiene el rol {{role}}, que debe tomarla antes del {{dueAt}}.',
        html: '<p>Nadie atendió a tiempo la incidencia <strong>«{{title}}»</strong> (prioridad {{priority}}).</p><p>Ahora la tiene el rol <strong>{{role}}</strong>, que debe tomarla antes del {{dueAt}}.</p>',
        inApp: 'Incidencia escalada a {{role}}: {{title}}',
      },
      en: {
        subject: 'Incident escalated: {{title}}',
        text: 'Nobody acknowledged the incident "{{title}}" ({{priority}} priority) in time. It is now with the {{role}}, who should take it by {{dueAt}}.',
        html: '<p>Nobody acknowledged the incident <strong>"{{title}}"</strong> ({{priority}} priority) in time.</p><p>It is now with the <strong>{{role}}</strong>, who should take it by {{dueAt}}.</p>',
        inApp: 'Incident escalated to {{role}}: {{title}}',
      },
    },
  },
  'store.low_stock': {
    description: 'A product of the store is at or below its low-stock threshold in a branch (gym)',
    variables: {
      productName: { kind: 'string' },
      sku: { kind: 'string' },
      quantity: { kind: 'number' },
      threshold: { kind: 'number' },
    },
    channels: { email: MANAGERS, in_app: true },
    content: {
      es: {
        subject: 'Stock bajo: {{productName}}',
        text: 'Quedan {{quantity}} unidades de {{productName}} (SKU {{sku}}); el mínimo es {{threshold}}. Conviene reponerlo.',
        html: '<p>Quedan <strong>{{quantity}}</strong> unidades de {{productName}} (SKU {{sku}}); el mínimo es {{threshold}}.</p><p>Conviene reponerlo.</p>',
        inApp: 'Stock bajo de {{productName}}: quedan {{quantity}}',
      },
      en: {
        subject: 'Low stock: {{productName}}',
        text: '{{quantity}} units of {{productName}} (SKU {{sku}}) are left; the threshold is {{threshold}}. Time to restock.',
        html: '<p><strong>{{quantity}}</strong> units of {{productName}} (SKU {{sku}}) are left; the threshold is {{threshold}}.</p><p>Time to restock.</p>',
        inApp: 'Low stock of {{productName}}: {{quantity}} left',
      },
    },
  },
  'inventory.low_stock': {
    description:
      'An inventory item of the POS went at or below its low-stock threshold in a branch (once per crossing)',
    variables: {
      itemName: { kind: 'string' },
      branchName: { kind: 'string' },
      /** Decimal quantities with their unit, as the inventory formats them ("2.5 kg"). */
      quantity: { kind: 'string' },
      threshold: { kind: 'string' },
    },
    channels: { email: MANAGERS, in_app: true },
    content: {
      es: {
        subject: 'Inventario bajo: {{itemName}} en {{branchName}}',
        text: 'En {{branchName}} quedan {{quantity}} de {{itemName}}; el mínimo es {{threshold}}. Conviene comprar o trasladar desde otra sucursal.',
        html: '<p>En {{branchName}} quedan <strong>{{quantity}}</strong> de {{itemName}}; el mínimo es {{threshold}}.</p><p>Conviene comprar o trasladar desde otra sucursal.</p>',
        inApp: 'Inventario bajo de {{itemName}} en {{branchName}}: quedan {{quantity}}',
      },
      en: {
        subject: 'Low inventory: {{itemName}} at {{branchName}}',
        text: '{{quantity}} of {{itemName}} are left at {{branchName}}; the threshold is {{threshold}}. Time to buy or transfer from another branch.',
        html: '<p><strong>{{quantity}}</strong> of {{itemName}} are left at {{branchName}}; the threshold is {{threshold}}.</p><p>Time to buy or transfer from another branch.</p>',
        inApp: 'Low inventory of {{itemName}} at {{branchName}}: {{quantity}} left',
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
