/**
 * Raw TCP to a network printer (port 9100, "JetDirect"): connect with a timeout, ask the real-time
 * status (DLE EOT 1, and DLE EOT 2 / 4 for the cause when it says offline), write the ticket with a
 * write timeout, then ask the status again — its answer is the printer's word that it took the
 * bytes. Every failure is a `PrintError` with a code and a sentence an operator reads:
 *
 * - `PRINTER_ADDRESS_REFUSED`: the SSRF guard refused the address before any connection
 *   (loopback, link-local — the cloud metadata address —, a cluster range in
 *   `TENANT_URL_DENY_CIDRS`, …): a printer lives on the restaurant's network (private) or at a
 *   public address; the printer's process does not retry it, the job falls back at once;
 * - `PRINTER_UNREACHABLE`: refused, no route, DNS, or no connection within the timeout;
 * - `PRINTER_PAPER_OUT`, `PRINTER_COVER_OPEN`, `PRINTER_OFFLINE`: what the status said (nothing written);
 * - `PRINTER_NO_STATUS`: it did not answer the status request in time (a stalled printer);
 * - `PRINTER_DROPPED`: the connection closed or timed out while writing (part of it may be out).
 *
 * `written` on the error says whether ticket bytes may have left (the at-least-once boundary:
 * docs/architecture.md, POS "Printing"). A printer whose profile says it does not answer DLE EOT
 * gets no status requests: the write alone is the outcome.
 *
 * The host is checked by the platform's outbound guard (`checkHost(host, { lan: true })`, resolved
 * once) and the socket goes to the checked address only, so a DNS answer that changes between the
 * check and the connection (rebinding) is never followed.
 */
import net from 'node:net';
import { OutboundUrlError, type OutboundGuard } from '@faena/platform';
import { PRINTER_ADDRESS_REFUSED } from '@faena/workflows/printing/contract';

export const PRINT_ERROR_CODES = [
  PRINTER_ADDRESS_REFUSED,
  'PRINTER_UNREACHABLE',
  'PRINTER_PAPER_OUT',
  'PRINTER_COVER_OPEN',
  'PRINTER_OFFLINE',
  'PRINTER_NO_STATUS',
  'PRINTER_DROPPED',
] as const;
export type PrintErrorCode = (typeof PRINT_ERROR_CODES)[number];

export class PrintError extends Error {
  readonly code: PrintErrorCode;
  /** Ticket bytes may have reached the printer. */
  readonly written: boolean;
  constructor(code: PrintErrorCode, message: string, written = false) {
    super(message);
    this.name = 'PrintError';
    this.code = code;
    this.written = written;
  }
}

export interface PrinterTarget {
  host: string;
  port: number;
}

export interface SendOptions {
  /** The SSRF guard every printer address goes through (`outboundGuardOptions` of the worker's config). */
  guard: Pick<OutboundGuard, 'checkHost'>;
  connectTimeoutMs: number;
  /** For the write to be taken by the socket and for each status answer. */
  ioTimeoutMs: number;
  answersStatus: boolean;
  /** Called once connected and the status is fine, right before ticket bytes are written. */
  beforeWrite?: () => Promise<void>;
}

export const DEFAULT_SEND_OPTIONS: Omit<SendOptions, 'guard'> = {
  connectTimeoutMs: 3000,
  ioTimeoutMs: 5000,
  answersStatus: true,
};

/** `host:port` (a host name or IPv4; the stations' check) → target; 9100 when the port is left out. */
export function parsePrinterAddress(address: string): PrinterTarget {
  const i = address.lastIndexOf(':');
  if (i < 0) return { host: address, port: 9100 };
  return { host: address.slice(0, i), port: Number(address.slice(i + 1)) };
}

const DLE_EOT = (n: number) => Buffer.from([0x10, 0x04, n]);

/** The printer's state from its status bytes (Epson ESC/POS: DLE EOT 1, 2, 4). */
export interface PrinterStatus {
  online: boolean;
  paperOut: boolean;
  coverOpen: boolean;
}

class Conn {
  private buffer = Buffer.alloc(0);
  private waiter: (() => void) | null = null;
  private closed: Error | null = null;

  readonly socket: net.Socket;

  constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, d]);
      this.wake();
    });
    socket.on('error', (err) => {
      this.closed = err;
      this.wake();
    });
    socket.on('close', () => {
      this.closed ??= new Error('closed');
      this.wake();
    });
  }

  private wake() {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  /** One byte, or a PrintError after `timeoutMs`. */
  async readByte(timeoutMs: number, written: boolean): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (!this.buffer.length) {
      if (this.closed) throw new PrintError('PRINTER_DROPPED', 'The printer closed the connection', written);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new PrintError(
          'PRINTER_NO_STATUS',
          `The printer did not answer its status within ${timeoutMs} ms`,
          written,
        );
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
    const b = this.buffer[0]!;
    this.buffer = this.buffer.subarray(1);
    return b;
  }

  write(bytes: Uint8Array, timeoutMs: number, written: boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        reject(
          new PrintError(
            'PRINTER_DROPPED',
            `The printer did not take the ticket within ${timeoutMs} ms`,
            written,
          ),
        );
      }, timeoutMs);
      this.socket.write(bytes, (err) => {
        clearTimeout(t);
        if (err)
          reject(new PrintError('PRINTER_DROPPED', 'The connection broke while sending the ticket', written));
        else resolve();
      });
    });
  }
}

/** The address to connect to: the host checked by the guard (a LAN device), resolved once. */
async function checkedAddress(
  guard: SendOptions['guard'],
  target: PrinterTarget,
): Promise<{ address: string; family: 4 | 6 }> {
  try {
    return (await guard.checkHost(target.host, { lan: true })).address;
  } catch (err) {
    if (!(err instanceof OutboundUrlError)) throw err;
    if (err.reason === 'host not found')
      throw new PrintError('PRINTER_UNREACHABLE', 'The printer has an unknown host name');
    throw new PrintError(
      PRINTER_ADDRESS_REFUSED,
      err.refused
        ? `The printer address ${target.host} is not allowed (${err.refused.what}${err.refused.address === target.host ? '' : `: it resolves to ${err.refused.address}`}); a printer must be on the restaurant's network or at a public address`
        : `The printer address ${target.host} is not a host name or IP address`,
    );
  }
}

function connect(
  target: PrinterTarget,
  to: { address: string; family: 4 | 6 },
  timeoutMs: number,
): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    // The checked address itself: nothing is resolved again (no rebinding after the check).
    const socket = net.connect({ host: to.address, family: to.family, port: target.port });
    const t = setTimeout(() => {
      socket.destroy();
      reject(new PrintError('PRINTER_UNREACHABLE', `No connection to the printer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(t);
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(t);
      socket.destroy();
      const why =
        err.code === 'ECONNREFUSED'
          ? 'refused the connection (is it on?)'
          : err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN'
            ? 'has an unknown host name'
            : `could not be reached (${err.code ?? 'network error'})`;
      reject(new PrintError('PRINTER_UNREACHABLE', `The printer ${why}`));
    });
  });
}

async function readStatus(conn: Conn, timeoutMs: number, written: boolean): Promise<PrinterStatus> {
  await conn.write(DLE_EOT(1), timeoutMs, written);
  const printer = await conn.readByte(timeoutMs, written);
  if (!(printer & 0x08)) return { online: true, paperOut: false, coverOpen: false };
  await conn.write(Buffer.concat([DLE_EOT(2), DLE_EOT(4)]), timeoutMs, written);
  const offline = await conn.readByte(timeoutMs, written);
  const paper = await conn.readByte(timeoutMs, written);
  return {
    online: false,
    coverOpen: !!(offline & 0x04),
    paperOut: !!(offline & 0x20) || (paper & 0x60) === 0x60,
  };
}

function statusError(s: PrinterStatus, written: boolean): PrintError | null {
  if (s.online) return null;
  if (s.paperOut) return new PrintError('PRINTER_PAPER_OUT', 'The printer is out of paper', written);
  if (s.coverOpen) return new PrintError('PRINTER_COVER_OPEN', "The printer's cover is open", written);
  return new PrintError('PRINTER_OFFLINE', 'The printer says it is offline', written);
}

/** Sends one ticket; resolves once the printer took it (and, when it answers status, says it is fine). */
export async function sendToPrinter(
  target: PrinterTarget,
  bytes: Uint8Array,
  opts: SendOptions,
): Promise<void> {
  const to = await checkedAddress(opts.guard, target);
  const socket = await connect(target, to, opts.connectTimeoutMs);
  const conn = new Conn(socket);
  let written = false;
  try {
    if (opts.answersStatus) {
      const before = statusError(await readStatus(conn, opts.ioTimeoutMs, false), false);
      if (before) throw before;
    }
    await opts.beforeWrite?.();
    written = true;
    await conn.write(bytes, opts.ioTimeoutMs, true);
    if (opts.answersStatus) {
      const after = statusError(await readStatus(conn, opts.ioTimeoutMs, true), true);
      if (after) throw after;
    }
    await new Promise<void>((resolve) => socket.end(resolve));
  } catch (err) {
    if (err instanceof PrintError) throw err;
    throw new PrintError('PRINTER_DROPPED', 'The connection broke while sending the ticket', written);
  } finally {
    socket.destroy();
  }
}
