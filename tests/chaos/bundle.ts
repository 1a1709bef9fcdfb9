/**
 * `node tests/chaos/bundle.ts <file>`: the workflow bundle the chaos run's workflow worker loads
 * (WORKFLOW_BUNDLE_PATH, as in production) — built once per run, so restarting the worker under
 * faults takes seconds instead of a webpack build. The same `bundleWorkflows` as
 * workflows/scripts/bundle.ts, written under .data/chaos instead of workflows/dist.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflows } from '@faena/platform';
import { ROOT } from './config.ts';

const out = process.argv[2];
if (!out) throw new Error('usage: node tests/chaos/bundle.ts <output file>');
const code = await bundleWorkflows(path.join(ROOT, 'workflows/src/index.ts'));
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, code);
process.stdout.write(`workflow bundle: ${code.length} bytes\n`);
