/**
 * Replays every recorded history (`src/<process>/histories/*.json`) against today's workflow code:
 * a change that would break running workflows fails here (guard such changes with `patched()`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { workflowInterceptorsModule } from '@faena/platform';

const src = fileURLToPath(new URL('../src', import.meta.url));
const histories = readdirSync(src, { recursive: true, encoding: 'utf8' })
  .filter((f) => /(^|\/)histories\/[^/]+\.json$/.test(f))
  .map((f) => ({ file: f, history: JSON.parse(readFileSync(path.join(src, f), 'utf8')) as unknown }));

describe('workflow replay', () => {
  it('has recorded histories for the workflows', () => {
    expect(histories.map((h) => h.file).sort()).toEqual(
      expect.arrayContaining([
        'payments/histories/payment-sync.json',
        'payments/histories/reconcile-payments.json',
        ...[
          'happy-path',
          'payment-timeout',
          'auto-approval',
          'dispute-70-30',
          'payout-retried',
          'cancelled',
        ].map((p) => `escrow/histories/${p}.json`),
      ]),
    );
  });

  it.each(histories.map((h) => [h.file, h.history] as const))(
    'replays %s without nondeterminism',
    async (file, history) => {
      await Worker.runReplayHistory(
        {
          workflowsPath: path.join(src, 'index.ts'),
          interceptors: { workflowModules: [workflowInterceptorsModule] },
        },
        history,
        file,
      );
    },
    60000,
  );
});
