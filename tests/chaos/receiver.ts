/**
 * The business's webhook endpoint, played by the harness: it verifies each delivery's
 * `Faena-Signature` (HMAC-SHA256 of "t.body" with the endpoint's secret, as `verifyWebhook` does)
 * and answers 503 to a seeded share of them, so notifications' outbox has to retry.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { Rng } from './rng.ts';

export interface Receiver {
  url: string;
  setSecret(secret: string): void;
  stats(): {
    received: number;
    refused: number;
    badSignatures: number;
    byType: Record<string, number>;
    /** Distinct event ids delivered (a retried delivery repeats its event id). */
    distinctEvents: number;
  };
  close(): Promise<void>;
}

const valid = (secret: string, header: string | undefined, body: string) => {
  const parts = Object.fromEntries((header ?? '').split(',').map((p) => p.trim().split('=', 2)));
  const t = parts.t as string | undefined;
  const v1 = parts.v1 as string | undefined;
  if (!t || !v1 || !/^[0-9a-f]+$/.test(v1)) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  const given = Buffer.from(v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
};

export async function startReceiver(port: number, rng: Rng, refuseShare = 0.1): Promise<Receiver> {
  let secret = '';
  let received = 0;
  let refused = 0;
  let badSignatures = 0;
  const byType: Record<string, number> = {};
  const events = new Set<string>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received++;
      if (!valid(secret, req.headers['faena-signature'] as string | undefined, body)) {
        badSignatures++;
        res.writeHead(401).end();
        return;
      }
      if (rng.chance(refuseShare)) {
        refused++;
        res.writeHead(503).end();
        return;
      }
      try {
        const event = JSON.parse(body) as { id?: string; type?: string };
        byType[event.type ?? '?'] = (byType[event.type ?? '?'] ?? 0) + 1;
        if (event.id) events.add(event.id);
      } catch {
        // counted as received; the signature held
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    setSecret: (s) => (secret = s),
    stats: () => ({ received, refused, badSignatures, byType, distinctEvents: events.size }),
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
