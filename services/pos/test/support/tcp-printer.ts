/**
 * A network receipt printer for tests, chaos and benchmarks: a real TCP listener speaking what an
 * ESC/POS printer on port 9100 speaks. It stores the bytes each connection wrote (one `job` per
 * connection) and answers the real-time status request DLE EOT n (0x10 0x04 n) with the status
 * bytes of the Epson ESC/POS reference (n = 1 printer, 2 offline cause, 4 roll paper sensor), so a
 * client can see paper out or the cover open. Its `mode` says how it misbehaves:
 *
 * - `accept`: reads, stores and answers (status per `paperOut` / `coverOpen`);
 * - `refuse`: the port is closed (connections refused: ECONNREFUSED), reopened by another mode;
 * - `stall`: accepts and never reads nor answers (the client's status read times out);
 * - `drop`: reads `dropAfter` bytes of the job, then resets the connection (a write cut mid-way).
 *
 * `parseEscPos(bytes)` reads stored bytes back: the text lines (code page 858 / 437 decoded for
 * Spanish), the cuts, and whether bold or double size was switched on, for assertions.
 */
import net from 'node:net';

export type PrinterMode = 'accept' | 'refuse' | 'stall' | 'drop';

export interface PrinterJob {
  /** Every byte the connection wrote, status requests included. */
  bytes: Buffer;
  /** When the connection closed (or now, while it is open). */
  at: Date;
  /** The connection ended by the client (false: dropped or stalled by the printer). */
  complete: boolean;
}

export interface TestPrinter {
  host: string;
  port: number;
  /** `host:port`, as a station stores it. */
  address: string;
  jobs: PrinterJob[];
  /** Jobs whose bytes hold a cut: what came out of the printer as a ticket. */
  printed(): PrinterJob[];
  setMode(mode: PrinterMode): Promise<void>;
  mode(): PrinterMode;
  /** Status the printer answers (accept mode). */
  paperOut: boolean;
  coverOpen: boolean;
  /** Bytes a `drop` connection reads before it is reset. */
  dropAfter: number;
  /** Resolves when the printer holds `n` printed jobs (rejects after `timeoutMs`). */
  waitForPrinted(n: number, timeoutMs?: number): Promise<PrinterJob[]>;
  close(): Promise<void>;
}

const DLE = 0x10;
const EOT = 0x04;
const GS = 0x1d;
const ESC = 0x1b;

/** The status byte answering DLE EOT n: bits 1 and 4 always set (0x12), the rest per the state. */
export function statusByte(n: number, state: { paperOut: boolean; coverOpen: boolean }): number {
  let b = 0x12;
  if (n === 1 && (state.paperOut || state.coverOpen)) b |= 0x08; // offline
  if (n === 2) {
    if (state.coverOpen) b |= 0x04;
    if (state.paperOut) b |= 0x20; // printing stopped by paper end
  }
  if (n === 4 && state.paperOut) b |= 0x60; // roll paper end sensor
  return b;
}

/** Starts a printer on a free loopback port (or `port`, to come back where a dead one was). */
export async function startTestPrinter(
  opts: { port?: number; mode?: PrinterMode } = {},
): Promise<TestPrinter> {
  let current: PrinterMode = opts.mode ?? 'accept';
  let server: net.Server | null = null;
  const sockets = new Set<net.Socket>();
  const waiters: Array<() => void> = [];
  const notify = () => waiters.splice(0).forEach((w) => w());

  const printer: TestPrinter = {
    host: '127.0.0.1',
    port: opts.port ?? 0,
    address: '',
    jobs: [],
    paperOut: false,
    coverOpen: false,
    dropAfter: 8,
    printed: () => printer.jobs.filter((j) => hasCut(j.bytes)),
    mode: () => current,
    setMode: async (mode) => {
      const was = current;
      current = mode;
      if (mode === 'refuse' && was !== 'refuse') await stop();
      if (mode !== 'refuse' && was === 'refuse') await listen();
    },
    waitForPrinted: (n, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (printer.printed().length >= n) {
            clearTimeout(timer);
            resolve(printer.printed());
            return true;
          }
          return false;
        };
        const timer = setTimeout(
          () => reject(new Error(`printer ${printer.address}: ${printer.printed().length} of ${n} printed`)),
          timeoutMs,
        );
        const loop = () => {
          if (!check()) waiters.push(loop);
        };
        loop();
      }),
    close: async () => {
      current = 'refuse';
      await stop();
    },
  };

  function onConnection(socket: net.Socket): void {
    sockets.add(socket);
    const job: PrinterJob = { bytes: Buffer.alloc(0), at: new Date(), complete: false };
    printer.jobs.push(job);
    const mode = current;
    if (mode === 'stall') {
      socket.pause(); // never reads: the client's writes back up and its status read times out
    }
    let pending = Buffer.alloc(0); // an unfinished DLE EOT across chunks
    socket.on('data', (chunk: Buffer) => {
      if (mode === 'drop' && job.bytes.length + chunk.length > printer.dropAfter) {
        job.bytes = Buffer.concat([
          job.bytes,
          chunk.subarray(0, Math.max(0, printer.dropAfter - job.bytes.length)),
        ]);
        socket.resetAndDestroy();
        return;
      }
      job.bytes = Buffer.concat([job.bytes, chunk]);
      job.at = new Date();
      const scan = Buffer.concat([pending, chunk]);
      let i = 0;
      for (; i < scan.length; i++) {
        if (scan[i] !== DLE) continue;
        if (i + 2 >= scan.length) break;
        if (scan[i + 1] === EOT) {
          socket.write(Buffer.from([statusByte(scan[i + 2]!, printer)]));
          i += 2;
        }
      }
      pending = i < scan.length ? scan.subarray(i) : Buffer.alloc(0);
    });
    socket.on('end', () => {
      job.complete = true;
      socket.end();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      sockets.delete(socket);
      job.at = new Date();
      notify();
    });
  }

  async function listen(): Promise<void> {
    server = net.createServer(onConnection);
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(printer.port, printer.host, () => resolve());
    });
    printer.port = (server.address() as net.AddressInfo).port;
    printer.address = `${printer.host}:${printer.port}`;
  }

  async function stop(): Promise<void> {
    for (const s of sockets) s.destroy();
    const s = server;
    server = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  if (current === 'refuse') {
    // Reserve a port, then close it: connections to it are refused until the mode changes.
    await listen();
    await stop();
  } else await listen();
  return printer;
}

const hasCut = (b: Buffer): boolean => {
  for (let i = 0; i + 1 < b.length; i++) if (b[i] === GS && b[i + 1] === 0x56) return true;
  return false;
};

/** Code page 858 (437 with € at 0xD5) upper half, as far as Spanish needs it. */
const CP858: Record<number, string> = {
  0x80: 'Ç',
  0x81: 'ü',
  0x82: 'é',
  0x83: 'â',
  0x84: 'ä',
  0x85: 'à',
  0x87: 'ç',
  0x88: 'ê',
  0x89: 'ë',
  0x8a: 'è',
  0x8b: 'ï',
  0x8c: 'î',
  0x8d: 'ì',
  0x8e: 'Ä',
  0x90: 'É',
  0x93: 'ô',
  0x94: 'ö',
  0x95: 'ò',
  0x96: 'û',
  0x97: 'ù',
  0x99: 'Ö',
  0x9a: 'Ü',
  0xa0: 'á',
  0xa1: 'í',
  0xa2: 'ó',
  0xa3: 'ú',
  0xa4: 'ñ',
  0xa5: 'Ñ',
  0xa6: 'ª',
  0xa7: 'º',
  0xa8: '¿',
  0xad: '¡',
  0xb5: 'Á',
  0xd6: 'Í',
  0xe0: 'Ó',
  0xe9: 'Ú',
  0xd5: '€',
  0xc4: '─',
  0xcd: '═',
};

export interface ParsedTicket {
  /** Text lines as printed (trailing spaces trimmed, empty lines kept out). */
  lines: string[];
  cuts: number;
  bold: boolean;
  doubleSize: boolean;
  /** DLE EOT requests the client sent. */
  statusRequests: number;
}

/** Reads ESC/POS bytes back into text lines and the commands tests look for. */
export function parseEscPos(bytes: Buffer): ParsedTicket {
  const out: ParsedTicket = { lines: [], cuts: 0, bold: false, doubleSize: false, statusRequests: 0 };
  let line = '';
  const flush = () => {
    const t = line.trimEnd();
    if (t) out.lines.push(t);
    line = '';
  };
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === DLE && bytes[i + 1] === EOT) {
      out.statusRequests++;
      i += 2;
    } else if (b === ESC) {
      const c = bytes[i + 1];
      if (c === 0x40)
        i += 1; // ESC @ initialize
      else if (c === 0x45) {
        if (bytes[i + 2]) out.bold = true;
        i += 2;
      } else if (c === 0x21) {
        if ((bytes[i + 2] ?? 0) & 0x30) out.doubleSize = true;
        if ((bytes[i + 2] ?? 0) & 0x08) out.bold = true;
        i += 2;
      } else if (c === 0x64 || c === 0x4a) {
        flush();
        i += 2; // feed n lines
      } else i += 2; // ESC t n, ESC a n, ESC M n, ESC - n, ESC G n, ESC 2/3 …: one parameter byte
    } else if (b === GS) {
      const c = bytes[i + 1];
      if (c === 0x56) {
        flush();
        out.cuts++;
        const m = bytes[i + 2] ?? 0;
        i += m === 65 || m === 66 ? 3 : 2;
      } else if (c === 0x21) {
        if ((bytes[i + 2] ?? 0) & 0x77) out.doubleSize = true;
        i += 2;
      } else if (c === 0x28 && bytes[i + 2] === 0x6b) {
        const len = (bytes[i + 3] ?? 0) + (bytes[i + 4] ?? 0) * 256;
        i += 4 + len; // GS ( k: QR code function
      } else i += 2;
    } else if (b === 0x1c) {
      i += 1; // FS . / FS & (Kanji off/on)
    } else if (b === 0x0a) flush();
    else if (b === 0x0d) continue;
    else if (b >= 0x20 && b < 0x7f) line += String.fromCharCode(b);
    else if (b >= 0x80) line += CP858[b] ?? '?';
  }
  flush();
  return out;
}
