/**
 * A closure's report: the day's sales report (domain/reports.ts, one business date, presented as
 * JSON: decimal strings of minor units) with the day's cash sessions and their differences per
 * method, and how it is mailed — a PDF (platform `renderPdf`, the product's one PDF writer) and
 * CSV files (platform `toCsv` through the sales report's own sections, plus the sessions).
 */
import { renderPdf, PDF_FONTS, toCsv, type CsvColumn, type PdfDocument } from '@faena/platform';
import { formatMinor } from '@faena/platform/money';
import type { ClosureSession } from '@faena/workflows/cash-closure/contract';
import type { Presented, SalesReport } from '../domain/reports.ts';

export interface ClosureReport {
  businessDate: string;
  sales: Presented<SalesReport>;
  sessions: ClosureSession[];
  /** The business's threshold (minor units): a difference beyond it in any method needs approval. */
  approvalThreshold: string;
  differences: {
    /** The counted sessions' differences per method, signed, summed. */
    byMethod: Record<string, string>;
    /** Their absolute values summed: what the mail calls the day's cash difference. */
    absolute: string;
  };
  sessionsNeedingCount: number;
  needsApproval: boolean;
}

const abs = (x: bigint) => (x < 0n ? -x : x);

export function buildClosureReport(input: {
  businessDate: string;
  sales: Presented<SalesReport>;
  sessions: ClosureSession[];
  approvalThreshold: string;
}): ClosureReport {
  const threshold = BigInt(input.approvalThreshold);
  const byMethod = new Map<string, bigint>();
  let absolute = 0n;
  let needsApproval = false;
  for (const s of input.sessions)
    for (const [method, value] of Object.entries(s.difference ?? {})) {
      const d = BigInt(value);
      byMethod.set(method, (byMethod.get(method) ?? 0n) + d);
      absolute += abs(d);
      if (abs(d) > threshold) needsApproval = true;
    }
  return {
    businessDate: input.businessDate,
    sales: input.sales,
    sessions: input.sessions,
    approvalThreshold: input.approvalThreshold,
    differences: {
      byMethod: Object.fromEntries([...byMethod].map(([m, v]) => [m, v.toString()])),
      absolute: absolute.toString(),
    },
    sessionsNeedingCount: input.sessions.filter((s) => s.needsCount).length,
    needsApproval,
  };
}

interface SessionLine {
  session: ClosureSession;
  method: string;
}
const sessionLines = (r: ClosureReport): SessionLine[] =>
  r.sessions.flatMap((session) => {
    const methods = new Set([
      ...Object.keys(session.expected),
      ...Object.keys(session.counted ?? {}),
      ...Object.keys(session.difference ?? {}),
    ]);
    return [...(methods.size ? methods : ['cash'])].sort().map((method) => ({ session, method }));
  });

const num = (v: string | undefined | null) => (v === undefined || v === null ? null : BigInt(v));

/** The sessions as CSV: one row per session and method (amounts raw minor units; open ones uncounted). */
export function sessionsCsv(r: ClosureReport): string {
  const currency = r.sales.currency;
  const columns: Array<CsvColumn<SessionLine>> = [
    { header: 'session_id', value: (x) => x.session.id },
    { header: 'drawer_id', value: (x) => x.session.drawerId },
    { header: 'status', value: (x) => (x.session.needsCount ? 'needs_count' : x.session.status) },
    { header: 'opened_at', value: (x) => x.session.openedAt },
    { header: 'closed_at', value: (x) => x.session.closedAt },
    { header: 'method', value: (x) => x.method },
    { header: 'expected', value: (x) => num(x.session.expected[x.method]) ?? 0n, numeric: true },
    { header: 'counted', value: (x) => num(x.session.counted?.[x.method]), numeric: true },
    { header: 'difference', value: (x) => num(x.session.difference?.[x.method]), numeric: true },
    { header: 'currency', value: () => currency },
  ];
  return toCsv(columns, sessionLines(r));
}

/** The closure's summary line and its sales by method, product and category as one CSV per part. */
export function closureCsvFiles(r: ClosureReport): Array<{ name: string; text: string }> {
  const s = r.sales;
  const summary = toCsv<ClosureReport>(
    [
      { header: 'business_date', value: (x) => x.businessDate },
      { header: 'branch_id', value: () => s.branchId },
      { header: 'time_zone', value: () => s.timeZone },
      { header: 'currency', value: () => s.currency },
      { header: 'orders', value: () => s.totals.orders, numeric: true },
      { header: 'sales', value: () => BigInt(s.totals.sales), numeric: true },
      { header: 'tips', value: () => BigInt(s.totals.tips), numeric: true },
      { header: 'discounts', value: () => BigInt(s.totals.discounts), numeric: true },
      { header: 'refunds', value: () => BigInt(s.totals.refunds), numeric: true },
      { header: 'cancellations', value: () => s.cancellations.count, numeric: true },
      { header: 'cancelled_amount', value: () => BigInt(s.cancellations.amount), numeric: true },
      { header: 'cash_difference_absolute', value: (x) => BigInt(x.differences.absolute), numeric: true },
      { header: 'sessions_needing_count', value: (x) => x.sessionsNeedingCount, numeric: true },
      { header: 'needs_approval', value: (x) => String(x.needsApproval) },
    ],
    [r],
  );
  const methods = toCsv(
    [
      { header: 'method', value: (x: (typeof s.byPaymentMethod)[number]) => x.method },
      { header: 'tenders', value: (x) => x.tenders, numeric: true },
      { header: 'captured', value: (x) => BigInt(x.captured), numeric: true },
      { header: 'refunded', value: (x) => BigInt(x.refunded), numeric: true },
      { header: 'net', value: (x) => BigInt(x.net), numeric: true },
    ],
    s.byPaymentMethod,
  );
  const products = toCsv(
    [
      { header: 'product_id', value: (x: (typeof s.byProduct)[number]) => x.productId },
      { header: 'name', value: (x) => x.name },
      { header: 'category_id', value: (x) => x.categoryId },
      { header: 'quantity', value: (x) => x.quantity, numeric: true },
      { header: 'discounts', value: (x) => BigInt(x.discounts), numeric: true },
      { header: 'sales', value: (x) => BigInt(x.sales), numeric: true },
    ],
    s.byProduct,
  );
  return [
    { name: 'summary', text: summary },
    { name: 'sessions', text: sessionsCsv(r) },
    { name: 'payment-methods', text: methods },
    { name: 'products', text: products },
  ];
}

const LABELS = {
  es: {
    title: 'Cierre de caja',
    branch: 'Sucursal',
    date: 'Fecha de negocio',
    zone: 'Zona horaria',
    orders: 'Pedidos',
    sales: 'Ventas',
    tips: 'Propinas',
    discounts: 'Descuentos',
    refunds: 'Reintegros',
    cancellations: 'Anulaciones',
    byMethod: 'Ventas por medio de pago',
    byCategory: 'Ventas por categoría',
    top: 'Productos más vendidos',
    sessions: 'Sesiones de caja',
    expected: 'esperado',
    counted: 'contado',
    difference: 'diferencia',
    needsCount: 'SIN CONTAR (abierta)',
    approval: 'Diferencias sobre el umbral: requiere aprobación de un encargado',
    noApproval: 'Todas las diferencias dentro del umbral',
    none: '(sin categoría)',
  },
  en: {
    title: 'Cash closure',
    branch: 'Branch',
    date: 'Business date',
    zone: 'Time zone',
    orders: 'Orders',
    sales: 'Sales',
    tips: 'Tips',
    discounts: 'Discounts',
    refunds: 'Refunds',
    cancellations: 'Cancellations',
    byMethod: 'Sales by payment method',
    byCategory: 'Sales by category',
    top: 'Top products',
    sessions: 'Cash sessions',
    expected: 'expected',
    counted: 'counted',
    difference: 'difference',
    needsCount: 'NOT COUNTED (open)',
    approval: "Differences beyond the threshold: a manager's approval is needed",
    noApproval: 'Every difference within the threshold',
    none: '(no category)',
  },
} as const;

/** The report as a PDF, in the business's language (`es` unless the locale is English). */
export async function closurePdf(r: ClosureReport, locale: string): Promise<Buffer> {
  const t = LABELS[locale.toLowerCase().startsWith('en') ? 'en' : 'es'];
  const s = r.sales;
  const money = (minor: string | bigint) => formatMinor(minor, s.currency, locale);
  const heading = (doc: PdfDocument, text: string) => {
    doc.moveDown(0.8).font(PDF_FONTS.bold).fontSize(12).text(text).font(PDF_FONTS.regular).fontSize(10);
  };
  return renderPdf(
    (doc) => {
      doc.font(PDF_FONTS.bold).fontSize(16).text(`${t.title} — ${r.businessDate}`);
      doc.font(PDF_FONTS.regular).fontSize(10);
      doc.text(`${t.branch}: ${s.branchId}`).text(`${t.zone}: ${s.timeZone}`);
      doc.moveDown(0.5);
      doc.text(`${t.orders}: ${s.totals.orders}`);
      doc.text(`${t.sales}: ${money(s.totals.sales)}`);
      doc.text(`${t.tips}: ${money(s.tips.amount)}`);
      doc.text(`${t.discounts}: ${money(s.discounts.amount)}`);
      doc.text(`${t.refunds}: ${money(s.totals.refunds)}`);
      doc.text(`${t.cancellations}: ${s.cancellations.count} (${money(s.cancellations.amount)})`);
      heading(doc, t.byMethod);
      for (const m of s.byPaymentMethod) doc.text(`${m.method}: ${money(m.net)} (${m.tenders})`);
      heading(doc, t.byCategory);
      for (const c of s.byCategory) doc.text(`${c.name ?? t.none}: ${c.quantity} — ${money(c.sales)}`);
      heading(doc, t.top);
      s.topProducts.byQuantity.forEach((p, i) =>
        doc.text(`${i + 1}. ${p.name ?? ''}: ${p.quantity} — ${money(p.sales)}`),
      );
      heading(doc, t.sessions);
      for (const line of sessionLines(r)) {
        const x = line.session;
        const head = `${x.drawerId.slice(-6)} ${line.method}`;
        if (x.needsCount)
          doc.text(`${head}: ${t.expected} ${money(x.expected[line.method] ?? '0')} — ${t.needsCount}`);
        else
          doc.text(
            `${head}: ${t.expected} ${money(x.expected[line.method] ?? '0')}, ${t.counted} ${money(x.counted?.[line.method] ?? '0')}, ${t.difference} ${money(x.difference?.[line.method] ?? '0')}`,
          );
      }
      doc
        .moveDown(0.8)
        .font(PDF_FONTS.bold)
        .text(r.needsApproval ? t.approval : t.noApproval);
    },
    { title: `${t.title} ${r.businessDate}` },
  );
}

/** The mail's attachments: the PDF and the CSV files, base64. */
export async function closureAttachments(
  r: ClosureReport,
  locale: string,
): Promise<Array<{ filename: string; contentType: string; contentBase64: string }>> {
  const base = `cash-closure-${r.businessDate}`;
  return [
    {
      filename: `${base}.pdf`,
      contentType: 'application/pdf',
      contentBase64: (await closurePdf(r, locale)).toString('base64'),
    },
    ...closureCsvFiles(r).map((f) => ({
      filename: `${base}-${f.name}.csv`,
      contentType: 'text/csv; charset=utf-8',
      contentBase64: Buffer.from(f.text, 'utf8').toString('base64'),
    })),
  ];
}
