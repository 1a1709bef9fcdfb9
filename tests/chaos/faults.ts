/**
 * The faults of a chaos run, planned from the seed: which, and when (seconds after the drive
 * begins). They run one after another; each waits until what it broke serves again, so the next
 * fault hits a working system. Every kind is planned at least once when the count allows.
 */
import { send, sleep } from './http.ts';
import type { RunContext } from './process.ts';
import type { Rng } from './rng.ts';
import { crashPostgres, redisCommand } from './stack.ts';
import type { Supervisor } from './supervisor.ts';

export type FaultKind = 'kill' | 'restart-temporal' | 'crash-postgres' | 'flush-redis' | 'webhooks';

export interface PlannedFault {
  at: number;
  kind: FaultKind;
  /** The process a `kill` ends. */
  target?: string;
  /**
   * A process's own fault at its own moment (ChaosProcess.faults: a Temporal restart at a
   * schedule's firing), named here: it goes ahead of a seeded fault that would still be running then.
   */
  pinned?: string;
}

/** A seeded fault due less than this before a pinned one waits until the pinned one has run. */
const PIN_LEAD_S = 25;

export interface FaultRecord extends PlannedFault {
  /** When it actually began (a fault waits for the previous one). */
  began: number;
  /** Until what it broke served again. */
  tookMs: number;
  detail: string;
  error?: string;
}

export function planFaults(
  rng: Rng,
  count: number,
  window: { from: number; to: number },
  workers: string[],
): PlannedFault[] {
  const catalogue: Array<Omit<PlannedFault, 'at'>> = [
    ...workers.map((target) => ({ kind: 'kill' as const, target })),
    { kind: 'restart-temporal' },
    { kind: 'crash-postgres' },
    { kind: 'flush-redis' },
    { kind: 'webhooks' },
  ];
  const chosen = rng.shuffle([...catalogue]).slice(0, count);
  while (chosen.length < count) chosen.push(rng.pick(catalogue));
  // Webhook faults need payments to exist: never first.
  if (chosen.length > 1 && chosen[0]!.kind === 'webhooks') [chosen[0], chosen[1]] = [chosen[1]!, chosen[0]!];
  const span = Math.max(1, window.to - window.from);
  const times = chosen.map(() => window.from + rng.next() * span).sort((a, b) => a - b);
  return chosen.map((f, i) => ({ ...f, at: Math.round(times[i]! * 10) / 10 }));
}

export interface FaultDeps {
  supervisor: Supervisor;
  ctx: RunContext;
  rng: Rng;
  /** The sandbox merchant's access token (its webhook faults are set per merchant). */
  merchantToken: () => string | undefined;
}

/** Runs the plan; resolves with what happened once the last fault has healed (or the signal aborts). */
export async function runFaults(plan: PlannedFault[], deps: FaultDeps): Promise<FaultRecord[]> {
  const { ctx } = deps;
  const done: FaultRecord[] = [];
  const background: Array<Promise<void>> = [];
  const todo = [...plan].sort((a, b) => a.at - b.at);
  while (todo.length) {
    // A pinned fault is on time: a seeded one that could still be running at its moment waits.
    const pinned = todo.find((x) => x.pinned);
    const head = todo[0]!;
    const f =
      pinned && head !== pinned && pinned.at - Math.max(head.at, ctx.clock()) < PIN_LEAD_S ? pinned : head;
    todo.splice(todo.indexOf(f), 1);
    const wait = f.at - ctx.clock();
    if (wait > 0) await sleep(wait * 1000, ctx.signal);
    if (ctx.signal.aborted) break;
    const began = ctx.clock();
    const start = Date.now();
    const record: FaultRecord = { ...f, began: Math.round(began * 10) / 10, tookMs: 0, detail: '' };
    try {
      record.detail = await inject(f, deps, background);
    } catch (err) {
      record.error = (err as Error).message;
    }
    record.tookMs = Date.now() - start;
    done.push(record);
    ctx.log(
      `fault ${f.kind}${f.target ? ` ${f.target}` : ''}${f.pinned ? ` (${f.pinned})` : ''}: ${record.error ?? record.detail} (${record.tookMs} ms)`,
    );
  }
  await Promise.all(background);
  return done;
}

async function inject(f: PlannedFault, deps: FaultDeps, background: Array<Promise<void>>): Promise<string> {
  const { supervisor, rng, ctx } = deps;
  switch (f.kind) {
    case 'kill': {
      const down = rng.int(300, 4000);
      await supervisor.kill(f.target!, 'SIGKILL');
      await sleep(down);
      await supervisor.start(f.target!);
      return `SIGKILL, down ${down} ms, restarted`;
    }
    case 'restart-temporal': {
      // A clean stop or a crash (SQLite keeps every committed write either way).
      const signal = rng.chance(0.5) ? 'SIGKILL' : 'SIGTERM';
      const down = rng.int(0, 2000);
      await supervisor.kill('temporal', signal, 10000);
      await sleep(down);
      await supervisor.start('temporal');
      return `${signal}, down ${down} ms, started again on the same SQLite file`;
    }
    case 'crash-postgres': {
      const down = rng.int(300, 3000);
      await crashPostgres(down);
      return `pg_ctlcluster stop -m immediate, down ${down} ms, started`;
    }
    case 'flush-redis':
      return `FLUSHALL: ${await redisCommand('FLUSHALL')}`;
    case 'webhooks': {
      const parts: string[] = [];
      const token = deps.merchantToken();
      // The sandbox's per-merchant faults, for a while: every notification twice, batches reversed.
      if (token) {
        const windowMs = rng.int(5000, 12000);
        const set = await send(ctx.urls.sandbox, 'PUT', '/sandbox/merchants/webhooks', {
          token,
          body: { delayMs: 1500, duplicates: 1, reorder: true },
          deadline: Date.now() + 10000,
        }).catch(() => null);
        if (set?.status === 200) {
          parts.push(`duplicates+reorder for ${windowMs} ms`);
          background.push(
            sleep(windowMs).then(async () => {
              await send(ctx.urls.sandbox, 'PUT', '/sandbox/merchants/webhooks', {
                token,
                body: { delayMs: null, duplicates: 0, reorder: false },
                deadline: Date.now() + 10000,
              }).catch(() => null);
            }),
          );
        } else {
          parts.push(`merchant webhook faults unavailable (${set?.status ?? 'no answer'})`);
        }
      }
      // And by hand: the latest payment's webhook, then an older one twice (out of order, duplicated).
      const seen = [...ctx.providerPayments].sort(
        (a, b) => Number(a.providerPaymentId) - Number(b.providerPaymentId),
      );
      const newer = seen[seen.length - 1];
      const older = seen.length > 1 ? seen[rng.int(0, seen.length - 2)] : undefined;
      for (const [p, times] of [
        [newer, 1],
        [older, 2],
      ] as const) {
        if (!p) continue;
        const a = await send(
          ctx.urls.sandbox,
          'POST',
          `/sandbox/payments/${p.providerPaymentId}/notify?times=${times}`,
          {
            deadline: Date.now() + 10000,
          },
        ).catch(() => null);
        parts.push(`notify ${p.providerPaymentId} ×${times}: ${a?.status ?? 'no answer'}`);
      }
      if (!newer) parts.push('no provider payment yet');
      return parts.join('; ');
    }
  }
}
