/**
 * The printer's wire: a ticket rendered as ESC/POS, sent over real TCP to the test printer
 * (test/support/tcp-printer.ts) and parsed back; every way a printer fails is a PrintError with
 * its code and whether ticket bytes may have left.
 */
import { describe, expect, it } from '@jest/globals';
import {
  renderTicketEscPos,
  renderTicketPdf,
  REPRINT_MARK,
  type TicketView,
} from '../src/printing/render.ts';
import { parsePrinterAddress, sendToPrinter, type PrintError } from '../src/printing/tcp.ts';
import { parseEscPos, startTestPrinter } from './support/tcp-printer.ts';

const ticket = (over: Partial<TicketView> = {}): TicketView => ({
  ticketId: '0190f0aa-0000-7000-8000-00000000abcd',
  kind: 'order',
  stationName: 'Cocina',
  orderNumber: 'a1b2c3',
  tableLabel: 'M4',
  createdAt: new Date('2026-12-02T15:04:00Z'),
  timeZone: 'America/Argentina/Buenos_Aires',
  items: [
    { name: 'Ñoquis', quantity: 2, modifiers: ['sin queso'], notes: 'alergia: nuez' },
    { name: 'Flan', quantity: 1, modifiers: [], notes: null },
  ],
  reprint: false,
  ...over,
});

const opts = { connectTimeoutMs: 1000, ioTimeoutMs: 500, answersStatus: true };

describe('printing over TCP 9100', () => {
  it('a ticket reads back as its station, order, table, lines, modifiers, notes, time and a cut', async () => {
    const printer = await startTestPrinter();
    try {
      await sendToPrinter(parsePrinterAddress(printer.address), renderTicketEscPos(ticket()), opts);
      const [job] = await printer.waitForPrinted(1);
      const parsed = parseEscPos(job!.bytes);
      expect(parsed.cuts).toBe(1);
      expect(parsed.statusRequests).toBe(2);
      expect(parsed.bold).toBe(true);
      expect(parsed.doubleSize).toBe(true);
      expect(parsed.lines).toEqual(
        expect.arrayContaining(
          [
            'COCINA',
            'Pedido / Order #a1b2c3',
            'Mesa / Table M4',
            '2/12, 12:04',
            '2 x Ñoquis',
            '+ sin queso',
            '! alergia: nuez',
            '1 x Flan',
          ].map((l) => expect.stringContaining(l)),
        ),
      );
      expect(parsed.lines.join('\n')).not.toContain('REIMPRESIÓN');
    } finally {
      await printer.close();
    }
  });

  it('a reprint carries the mark; a 58 mm profile wraps at 32 columns', async () => {
    const bytes = Buffer.from(
      renderTicketEscPos(ticket({ reprint: true }), { paperWidth: 58, answersStatus: true }),
    );
    const parsed = parseEscPos(bytes);
    expect(parsed.lines[0]).toContain(REPRINT_MARK);
    expect(Math.max(...parsed.lines.map((l) => l.length))).toBeLessThanOrEqual(32);
  });

  it('refused, stalled, dropped, paper out and cover open are named errors', async () => {
    const printer = await startTestPrinter({ mode: 'refuse' });
    const target = parsePrinterAddress(printer.address);
    const bytes = renderTicketEscPos(ticket());
    const failure = (p: Promise<void>) =>
      p.then(
        () => null,
        (e: PrintError) => ({ code: e.code, written: e.written }),
      );
    try {
      expect(await failure(sendToPrinter(target, bytes, opts))).toEqual({
        code: 'PRINTER_UNREACHABLE',
        written: false,
      });
      await printer.setMode('stall');
      expect(await failure(sendToPrinter(target, bytes, opts))).toEqual({
        code: 'PRINTER_NO_STATUS',
        written: false,
      });
      await printer.setMode('drop');
      printer.dropAfter = 40;
      expect(await failure(sendToPrinter(target, bytes, opts))).toMatchObject({ written: true });
      await printer.setMode('accept');
      printer.paperOut = true;
      expect(await failure(sendToPrinter(target, bytes, opts))).toEqual({
        code: 'PRINTER_PAPER_OUT',
        written: false,
      });
      printer.paperOut = false;
      printer.coverOpen = true;
      expect(await failure(sendToPrinter(target, bytes, opts))).toEqual({
        code: 'PRINTER_COVER_OPEN',
        written: false,
      });
      expect(printer.printed()).toHaveLength(0);
      printer.coverOpen = false;
      await sendToPrinter(target, bytes, opts);
      expect(printer.printed()).toHaveLength(1);
    } finally {
      await printer.close();
    }
  });

  it('the PDF of a ticket is a PDF with the bundled font', async () => {
    const pdf = await renderTicketPdf(ticket({ reprint: true }));
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.toString('latin1')).toContain('DejaVuSans');
  });
});
