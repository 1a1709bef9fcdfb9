/**
 * The driver's HTTP client, like a client app's under bad weather: every call has a timeout, and
 * `send` retries network errors, timeouts, 5xx and 429 (same body, same Idempotency-Key) with
 * jittered backoff until its deadline. Other answers go back to the caller, which decides (a 409
 * saying the step already happened counts as done).
 */
export interface Answer {
  status: number;
  // Parsed JSON the driver reads like the suites read supertest bodies.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: { data?: any; error?: { code?: string; message?: string }; [k: string]: unknown };
  headers: Headers;
  /** Attempts that ended in a retryable failure before this answer. */
  retried: number;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  idempotencyKey?: string;
  /** Per attempt (default 15 s). */
  timeoutMs?: number;
  /** Give up retrying at this instant (epoch ms); the last failure is thrown. */
  deadline?: number;
  /** Ends the attempt in flight and the retries (the run is stopping). */
  signal?: AbortSignal;
}

export class GaveUp extends Error {
  readonly retried: number;
  constructor(what: string, last: string, retried: number) {
    super(`${what}: gave up after ${retried} retries (last: ${last})`);
    this.name = 'GaveUp';
    this.retried = retried;
  }
}

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });

export const stats = { calls: 0, retries: 0, byStatus: {} as Record<string, number> };

const retryable = (status: number) => status >= 500 || status === 429 || status === 408;

/** One attempt. Network errors and timeouts are answered as status 0. */
export async function call(
  base: string,
  method: string,
  path: string,
  opts: CallOptions = {},
): Promise<Answer> {
  stats.calls++;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.idempotencyKey) headers['idempotency-key'] = opts.idempotencyKey;
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal
        ? AbortSignal.any([AbortSignal.timeout(opts.timeoutMs ?? 15000), opts.signal])
        : AbortSignal.timeout(opts.timeoutMs ?? 15000),
    });
    const text = await res.text();
    let body: Answer['body'] = {};
    try {
      body = text ? (JSON.parse(text) as Answer['body']) : {};
    } catch {
      body = { raw: text.slice(0, 500) };
    }
    // Faena's envelope carries `errors: [{ code, message }]`; the sandbox answers `{ message }`.
    const first = (body.errors as Array<{ code?: string; message?: string }> | undefined)?.[0];
    if (first) body.error = first;
    else if (res.status >= 400 && typeof body.message === 'string') body.error = { message: body.message };
    stats.byStatus[res.status] = (stats.byStatus[res.status] ?? 0) + 1;
    return { status: res.status, body, headers: res.headers, retried: 0 };
  } catch (err) {
    stats.byStatus.network = (stats.byStatus.network ?? 0) + 1;
    return {
      status: 0,
      body: { error: { code: 'NETWORK', message: (err as Error).message } },
      headers: new Headers(),
      retried: 0,
    };
  }
}

/** `call`, retried while the answer is a network error, a timeout, 5xx or 429, until `deadline`. */
export async function send(
  base: string,
  method: string,
  path: string,
  opts: CallOptions = {},
): Promise<Answer> {
  const deadline = opts.deadline ?? Date.now() + 60000;
  let retried = 0;
  let delay = 250;
  for (;;) {
    const a = await call(base, method, path, {
      ...opts,
      timeoutMs: Math.max(1000, Math.min(opts.timeoutMs ?? 15000, deadline - Date.now())),
    });
    if (!retryable(a.status) && a.status !== 0) return { ...a, retried };
    if (Date.now() + delay >= deadline || opts.signal?.aborted)
      throw new GaveUp(
        `${method} ${path}`,
        `${a.status || 'network'} ${a.body.error?.code ?? ''} ${a.body.error?.message ?? ''}`.trim(),
        retried,
      );
    retried++;
    stats.retries++;
    await sleep(delay * (0.5 + Math.random()), opts.signal);
    delay = Math.min(delay * 2, 3000);
  }
}
