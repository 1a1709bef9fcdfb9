/**
 * The printer's wire: a ticket rendered as ESC/POS, sent over real TCP to the test printer
 * (test/support/tcp-printer.ts) and parsed back; every way a printer fails is a PrintError with
 * its code and whether ticket bytes may have left. Every address goes through the SSRF guard as a
 * LAN device first: the test printers are on loopback, exempt here as the harness exempts them
 * (127.0.0.1/32); a refused address is `PRINTER_ADDRESS_REFUSED` before any connection.
 */
import net from 'node:net';
import { describe, expect, it } from '@jest/globals';
import { createOutboundGuard, type Resolver } from '@faena/platform';
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

/** Test names the guard resolves (never the system resolver: `*.test` does not exist). */
const names = new Map<string, string>();
const resolve: Resolver = async (host) => {
  const a = names.get(host);
  if (!a) throw new Error('ENOTFOUND');
  return [{ address: a, family: 4 }];
};
const guard = createOutboundGuard({ allowCidrs: ['127.0.0.1/32'], resolve });
const opts = { guard, connectTimeoutMs: 1000, ioTimeoutMs: 500, answersStatus: true };

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

  it('the SSRF guard: loopback, metadata and denied ranges are PRINTER_ADDRESS_REFUSED before any connection; a name is resolved once and the checked address is the one connected to', async () => {
    const bytes = renderTicketEscPos(ticket());
    const failure = (p: Promise<void>) =>
      p.then(
        () => null,
        (e: PrintError) => ({ code: e.code, message: e.message, written: e.written }),
      );
    // A listener on 127.0.0.2 (loopback, not exempt): it must never see a connection.
    let connections = 0;
    const other = net.createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((ok) => other.listen(0, '127.0.0.2', ok));
    const otherPort = (other.address() as net.AddressInfo).port;
    const printer = await startTestPrinter();
    try {
      expect(await failure(sendToPrinter({ host: '127.0.0.2', port: otherPort }, bytes, opts))).toEqual({
        code: 'PRINTER_ADDRESS_REFUSED',
        message:
          "The printer address 127.0.0.2 is not allowed (loopback); a printer must be on the restaurant's network or at a public address",
        written: false,
      });
      names.set('loop.test', '127.0.0.2');
      expect(await failure(sendToPrinter({ host: 'loop.test', port: otherPort }, bytes, opts))).toEqual({
        code: 'PRINTER_ADDRESS_REFUSED',
        message:
          "The printer address loop.test is not allowed (loopback: it resolves to 127.0.0.2); a printer must be on the restaurant's network or at a public address",
        written: false,
      });
      expect(connections).toBe(0);
      names.set('metadata.test', '169.254.169.254');
      for (const host of ['169.254.169.254', 'metadata.test', '::ffff:169.254.169.254', '0.0.0.0'])
        expect(await failure(sendToPrinter({ host, port: 80 }, bytes, opts))).toMatchObject({
          code: 'PRINTER_ADDRESS_REFUSED',
          written: false,
        });
      // The cluster's ranges (TENANT_URL_DENY_CIDRS) are refused although private.
      const cluster = createOutboundGuard({ denyCidrs: ['10.42.0.0/16'], resolve });
      expect(
        await failure(sendToPrinter({ host: '10.42.0.7', port: 9100 }, bytes, { ...opts, guard: cluster })),
      ).toMatchObject({
        code: 'PRINTER_ADDRESS_REFUSED',
        message: expect.stringContaining('(denied range)'),
      });
      // Without the harness's exemption the test printer itself (loopback) is refused: nothing printed.
      const strict = createOutboundGuard({ resolve });
      expect(
        await failure(sendToPrinter(parsePrinterAddress(printer.address), bytes, { ...opts, guard: strict })),
      ).toMatchObject({ code: 'PRINTER_ADDRESS_REFUSED', message: expect.stringContaining('(loopback)') });
      expect(printer.jobs).toHaveLength(0);
      // An unknown name is unreachable (DNS may come back), not refused.
      expect(await failure(sendToPrinter({ host: 'nowhere.test', port: 9100 }, bytes, opts))).toMatchObject({
        code: 'PRINTER_UNREACHABLE',
        message: 'The printer has an unknown host name',
      });
      // A name only the guard's resolver knows prints: the socket went to the address it checked.
      let asked = 0;
      const counting = createOutboundGuard({
        allowCidrs: ['127.0.0.1/32'],
        resolve: async (host) => {
          asked++;
          return resolve(host);
        },
      });
      names.set('cocina.test', '127.0.0.1');
      await sendToPrinter({ host: 'cocina.test', port: printer.port }, bytes, { ...opts, guard: counting });
      expect(asked).toBe(1);
      expect(printer.printed()).toHaveLength(1);
    } finally {
      await printer.close();
      await new Promise((ok) => other.close(ok));
    }
  });

  it('the PDF of a ticket is a PDF with the bundled font', async () => {
    const pdf = await renderTicketPdf(ticket({ reprint: true }));
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.toString('latin1')).toContain('DejaVuSans');
  });
});
