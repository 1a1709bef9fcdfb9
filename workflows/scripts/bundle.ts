/** Prebuilds the workflow bundle the production workflow worker loads (`workflows/dist/workflow-bundle.js`). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleWorkflows } from '@faena/platform';

const code = await bundleWorkflows(fileURLToPath(new URL('../src/index.ts', import.meta.url)));
mkdirSync(fileURLToPath(new URL('../dist', import.meta.url)), { recursive: true });
writeFileSync(fileURLToPath(new URL('../dist/workflow-bundle.js', import.meta.url)), code);
process.stdout.write(`workflow bundle: ${code.length} bytes\n`);
