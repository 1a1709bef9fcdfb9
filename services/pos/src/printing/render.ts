/**
 * A kitchen ticket as ESC/POS bytes (`@point-of-sale/receipt-printer-encoder`) and as a PDF (the
 * platform's one PDF writer, for the email fallback). Both show the same things: the station, the
 * order number and table (or "para llevar"), a CANCELACIÓN / CANCEL banner for a cancel ticket, the
 * lines with their quantity, modifiers and notes, the time the order was sent (in the business's
 * zone) and, when the ticket may have been printed before, a REIMPRESIÓN / REPRINT mark.
 *
 * Text is Spanish with its English word beside it (kitchens are bilingual here); the encoder writes
 * it in code page 858 (Latin-1 letters and €), which every Epson-compatible printer has. The paper
 * width of the printer's profile sets the columns: 58 mm → 32, 80 mm → 48.
 */
import ReceiptPrinterEncoder from '@point-of-sale/receipt-printer-encoder';
import { PDF_FONTS, renderPdf } from '@faena/platform';

export const PAPER_WIDTHS = [58, 80] as const;
export type PaperWidth = (typeof PAPER_WIDTHS)[number];

/** What a printer is: its paper, and whether it answers DLE EOT (almost all network printers do). */
export interface PrinterProfile {
  paperWidth: PaperWidth;
  answersStatus: boolean;
}
export const DEFAULT_PRINTER_PROFILE: PrinterProfile = { paperWidth: 80, answersStatus: true };

const COLUMNS: Record<PaperWidth, number> = { 58: 32, 80: 48 };

export interface TicketView {
  ticketId: string;
  kind: 'order' | 'cancel';
  stationName: string;
  orderNumber: string;
  tableLabel: string | null;
  /** When the ticket was made (the order was sent). */
  createdAt: Date;
  timeZone: string;
  items: Array<{ name: string; quantity: number; modifiers: string[]; notes: string | null }>;
  /** The ticket may have come out before (a reprint, a reroute, or an earlier write that was cut). */
  reprint: boolean;
}

export const REPRINT_MARK = '*** REIMPRESIÓN / REPRINT ***';
export const CANCEL_MARK = '*** CANCELACIÓN / CANCEL ***';

const clock = (at: Date, timeZone: string): string =>
  new Intl.DateTimeFormat('es-AR', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    day: '2-digit',
    month: '2-digit',
    hourCycle: 'h23',
  }).format(at);

const where = (t: TicketView): string =>
  t.tableLabel ? `Mesa / Table ${t.tableLabel}` : 'Para llevar / Takeaway';

/** The ticket's bytes for one printer profile: initialise, code page, the ticket, feed and cut. */
export function renderTicketEscPos(
  t: TicketView,
  profile: PrinterProfile = DEFAULT_PRINTER_PROFILE,
): Uint8Array {
  const columns = COLUMNS[profile.paperWidth];
  const e = new ReceiptPrinterEncoder({
    language: 'esc-pos',
    columns,
    codepageMapping: 'epson',
    feedBeforeCut: 3,
  });
  e.initialize().codepage('cp858');
  if (t.reprint) e.align('center').bold(true).line(REPRINT_MARK).bold(false);
  if (t.kind === 'cancel')
    e.align('center').invert(true).bold(true).line(CANCEL_MARK).invert(false).bold(false);
  e.align('center').bold(true).size(2, 2).line(t.stationName.toUpperCase()).size(1, 1);
  e.line(`Pedido / Order #${t.orderNumber}`).bold(false);
  e.line(where(t)).line(clock(t.createdAt, t.timeZone)).align('left').rule();
  for (const item of t.items) {
    e.bold(true).size(1, 2).line(`${item.quantity} x ${item.name}`).size(1, 1).bold(false);
    for (const m of item.modifiers) e.line(`   + ${m}`);
    if (item.notes) e.line(`   ! ${item.notes}`);
  }
  e.rule()
    .align('center')
    .line(`Ticket ${t.ticketId.slice(-8)}`);
  return e.cut('partial').encode();
}

/** The same ticket as a one-page PDF (a 80 mm-wide page, as a kitchen reads it). */
export function renderTicketPdf(t: TicketView): Promise<Buffer> {
  const lines = 10 + t.items.reduce((n, i) => n + 1 + i.modifiers.length + (i.notes ? 1 : 0), 0);
  return renderPdf(
    (doc) => {
      const mark = (text: string) => doc.font(PDF_FONTS.bold).fontSize(11).text(text, { align: 'center' });
      if (t.reprint) mark(REPRINT_MARK);
      if (t.kind === 'cancel') mark(CANCEL_MARK);
      doc.font(PDF_FONTS.bold).fontSize(16).text(t.stationName, { align: 'center' });
      doc.fontSize(11).text(`Pedido / Order #${t.orderNumber}`, { align: 'center' });
      doc.font(PDF_FONTS.regular).text(where(t), { align: 'center' });
      doc.text(clock(t.createdAt, t.timeZone), { align: 'center' }).moveDown(0.5);
      for (const item of t.items) {
        doc.font(PDF_FONTS.bold).fontSize(12).text(`${item.quantity} x ${item.name}`);
        doc.font(PDF_FONTS.regular).fontSize(10);
        for (const m of item.modifiers) doc.text(`   + ${m}`);
        if (item.notes) doc.text(`   ! ${item.notes}`);
      }
      doc.moveDown(0.5).fontSize(8).text(`Ticket ${t.ticketId}`, { align: 'center' });
    },
    {
      size: [227, Math.max(300, 40 + lines * 18)],
      margin: 12,
      title: `Ticket ${t.orderNumber} · ${t.stationName}`,
    },
  );
}
