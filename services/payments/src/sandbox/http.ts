/** Small HTTP helpers of the sandbox: bodies (JSON, forms) with a size limit, JSON and HTML answers. */
import type http from 'node:http';
import { parseJsonObject } from '@faena/platform';
import { PAGE_HEADERS } from './checkout.ts';

/** An answer with a status and `{ message, status }`, thrown from a handler. */
export class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const MAX_BODY = 1 << 20;

async function readRaw(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    // Buffers, as no encoding was set on the request.
    const chunk = Buffer.isBuffer(c) ? c : Buffer.from(String(c));
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpError(413, 'body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(raw: string): Record<string, unknown> {
  if (!raw.trim()) return {};
  try {
    return parseJsonObject(raw);
  } catch {
    // answered below
  }
  throw new HttpError(400, 'the body must be a JSON object');
}

/** The JSON object of the body (`{}` when empty). */
export const readJson = async (req: http.IncomingMessage) => parseJson(await readRaw(req));

/** A form post (application/x-www-form-urlencoded), or JSON when sent as JSON. */
export async function readForm(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const raw = await readRaw(req);
  return /json/.test(req.headers['content-type'] ?? '')
    ? parseJson(raw)
    : Object.fromEntries(new URLSearchParams(raw));
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

export function sendHtml(res: http.ServerResponse, status: number, page: string): void {
  res.writeHead(status, PAGE_HEADERS);
  res.end(page);
}

export const wantsJson = (req: http.IncomingMessage): boolean =>
  /application\/json/.test(req.headers.accept ?? '');
