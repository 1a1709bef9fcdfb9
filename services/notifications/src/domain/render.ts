import Joi from 'joi';
import { DomainError, currency, isOneOf } from '@faena/platform';
import { formatMinor } from '@faena/platform/money';
import {
  LOCALES,
  type Locale,
  type TemplateDef,
  type VariableKind,
  type VariableKinds,
} from './templates.ts';

export interface Rendered {
  subject: string;
  text: string;
  html: string;
  inApp: string;
}

/**
 * The locale a message is written in: the recipient's, else the business's, else the service
 * default; `es-AR` counts as Spanish (and formats dates and money the Argentine way).
 */
export function resolveLocale(
  candidates: Array<string | null | undefined>,
  fallback: Locale,
): { locale: Locale; format: string } {
  for (const tag of candidates) {
    const lang = tag?.split('-')[0]?.toLowerCase();
    if (isOneOf(LOCALES, lang)) {
      let format: string;
      try {
        format = Intl.getCanonicalLocales(tag!)[0] ?? lang;
      } catch {
        format = lang;
      }
      return { locale: lang, format };
    }
  }
  return { locale: fallback, format: fallback };
}

const numberSchema = Joi.number();
const moneySchema = Joi.object<VariableKinds['money']>({
  amount: Joi.alternatives(Joi.number().integer(), Joi.string().pattern(/^-?\d{1,30}$/)).required(),
  currency: currency.required(),
});

const KIND_SCHEMA: Record<VariableKind, Joi.Schema> = {
  string: Joi.string().max(500),
  number: numberSchema,
  url: Joi.string()
    .uri({ scheme: ['http', 'https'] })
    .max(2000),
  date: Joi.string().isoDate(),
  money: moneySchema,
};

const escapeHtml = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

function format(kind: VariableKind, value: unknown, locale: string): string {
  switch (kind) {
    // `render` validated every value against its kind's schema: these read them as it converts them.
    case 'number':
      return new Intl.NumberFormat(locale).format(Joi.attempt(value, numberSchema));
    case 'date': {
      const s = String(value); // an ISO 8601 string (KIND_SCHEMA.date), as given
      const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(s);
      return new Intl.DateTimeFormat(locale, {
        dateStyle: 'long',
        ...(dateOnly ? { timeZone: 'UTC' } : { timeStyle: 'short' }),
      }).format(new Date(s));
    }
    case 'money': {
      const { amount, currency } = Joi.attempt(value, moneySchema);
      return formatMinor(BigInt(amount), currency, locale);
    }
    default:
      return String(value);
  }
}

/**
 * Renders a template for a locale. A declared variable that is absent (or null) is an error, never
 * an empty string in a customer's mail; so is an undeclared one or a value of the wrong kind.
 * `redact` renders secret variables as `[redacted]` (what the history stores).
 */
export function render(
  event: string,
  template: TemplateDef,
  variables: Record<string, unknown>,
  locale: { locale: Locale; format: string },
  opts: { redact?: boolean; field?: string } = {},
): Rendered {
  const field = opts.field ?? 'variables';
  const missing = Object.keys(template.variables).filter(
    (v) => variables[v] === undefined || variables[v] === null,
  );
  if (missing.length)
    throw new DomainError('TEMPLATE_VARIABLE_MISSING', `Template ${event} needs ${missing.join(', ')}`, {
      items: missing.map((v) => ({
        code: 'TEMPLATE_VARIABLE_MISSING',
        message: `Template ${event} needs the variable ${v}`,
        field: `${field}.${v}`,
      })),
    });
  const items = Object.entries(variables).flatMap(([name, value]) => {
    const spec = template.variables[name];
    if (!spec)
      return [
        {
          code: 'VALIDATION_FAILED' as const,
          message: `${name} is not a variable of ${event}`,
          field: `${field}.${name}`,
        },
      ];
    const { error } = KIND_SCHEMA[spec.kind].validate(value);
    return error
      ? [
          {
            code: 'VALIDATION_FAILED' as const,
            message: `${name} must be a ${spec.kind}`,
            field: `${field}.${name}`,
          },
        ]
      : [];
  });
  if (items.length) throw new DomainError('VALIDATION_FAILED', items[0]!.message, { items });

  const values = Object.fromEntries(
    Object.entries(template.variables).map(([name, spec]) => [
      name,
      opts.redact && spec.secret ? '[redacted]' : format(spec.kind, variables[name], locale.format),
    ]),
  );
  const fill = (text: string, html: boolean) =>
    text.replace(/\{\{\s*(\w+)\s*\}\}/g, (_m, name: string) => {
      const value = values[name];
      // A placeholder the template declares no variable for is a bug in the catalog (tested).
      if (value === undefined) throw new Error(`Template ${event} uses undeclared {{${name}}}`);
      return html ? escapeHtml(value) : value;
    });
  const content = template.content[locale.locale];
  return {
    subject: fill(content.subject, false),
    text: fill(content.text, false),
    html: layout(fill(content.html, true), locale.locale),
    inApp: fill(content.inApp ?? content.subject, false),
  };
}

const FOOTER: Record<Locale, string> = {
  es: 'Recibís este mensaje por tu cuenta en Faena.',
  en: 'You receive this message because of your Faena account.',
};

const layout = (body: string, locale: Locale) =>
  `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"></head><body style="font-family:sans-serif;line-height:1.5">${body}<hr><p style="color:#777;font-size:12px">${FOOTER[locale]}</p></body></html>`;
