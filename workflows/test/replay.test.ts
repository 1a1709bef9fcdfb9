/**
 * Replays every recorded history (`src/<process>/histories/**.json`) against today's workflow code,
 * with the options production workers run (plugins and interceptors: a history written with one
 * set does not replay with another): a change that would break running workflows fails here
 * (guard such changes with `patched()`). Escrow histories are recorded on the real dev server
 * (`workflows/scripts/record-histories.ts`), where events land as production sees them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { replayHistories } from '@faena/platform';
import { SCENARIOS, V1_SCENARIOS } from './live/deals.ts';
import { RENEWAL_SCENARIOS } from './live/renewals.ts';
import { WAITLIST_SCENARIOS, WAITLIST_V1_HISTORIES } from './live/waitlists.ts';
import { INCIDENT_SCENARIOS, INCIDENT_V1_HISTORIES } from './live/incidents.ts';
import { LOW_STOCK_SCENARIOS } from './live/low-stock.ts';

const src = fileURLToPath(new URL('../src', import.meta.url));
const histories = readdirSync(src, { recursive: true, encoding: 'utf8' })
  .filter((f) => /(^|\/)histories\/(.+\/)?[^/]+\.json$/.test(f))
  .map((f) => ({ file: f, history: JSON.parse(readFileSync(path.join(src, f), 'utf8')) as unknown }));

describe('workflow replay', () => {
  it('has recorded histories for the workflows', () => {
    expect(histories.map((h) => h.file).sort()).toEqual(
      expect.arrayContaining([
        'payments/histories/payment-sync.json',
        'payments/histories/reconcile-payments.json',
        // Recorded on the dev server by scripts/record-histories.ts (v1: deals started before escrow-v2).
        ...SCENARIOS.map((s) => `escrow/histories/v2/${s.name}.json`),
        ...V1_SCENARIOS.map((s) => `escrow/histories/v1/${s.name}.json`),
        // Recorded on the dev server by scripts/record-renewal-histories.ts.
        ...RENEWAL_SCENARIOS.map((s) => `renewal/histories/${s.name}.json`),
        // Recorded on the dev server by scripts/record-waitlist-histories.ts.
        // (v1: before waitlist-v2, offer-expires included: the expiry is not driven live any more.)
        ...WAITLIST_SCENARIOS.map((s) => `waitlist/histories/v2/${s.name}.json`),
        ...WAITLIST_V1_HISTORIES.map((name) => `waitlist/histories/${name}.json`),
        // Recorded on the dev server by scripts/record-incident-histories.ts (v1: before incident-notify-role-holders).
        ...INCIDENT_SCENARIOS.map((s) => `incident/histories/v2/${s.name}.json`),
        ...INCIDENT_V1_HISTORIES.map((name) => `incident/histories/v1/${name}.json`),
        // Recorded on the dev server by scripts/record-low-stock-histories.ts.
        ...LOW_STOCK_SCENARIOS.map((s) => `stock/histories/${s.name}.json`),
      ]),
    );
  });

  it('replays every recorded history with the production worker options', async () => {
    const results = await replayHistories(
      { workflowsPath: path.join(src, 'index.ts') },
      histories.map((h) => ({ workflowId: h.file, history: h.history })),
    );
    expect(results.map((r) => r.workflowId).sort()).toEqual(histories.map((h) => h.file).sort());
    expect(results.filter((r) => r.error).map((r) => `${r.workflowId}: ${r.error!.message}`)).toEqual([]);
  }, 120000);
});
