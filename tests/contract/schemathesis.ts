/**
 * Runs Schemathesis (installed by scripts/install.sh into the tool venv) against one service's
 * `/openapi.json`, with the checks and exclusions of schemathesis.toml, as a signed-in user.
 * Shared by tests/contract (make test) and scripts/contract.sh (make contract, against make dev).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { encodeCursor } from '@faena/platform';

const ROOT = path.resolve(import.meta.dirname, '../..');
export const SCHEMATHESIS = path.join(ROOT, '.cache/tools/venv/bin/schemathesis');
export const CONFIG = path.join(ROOT, 'schemathesis.toml');
export const REPORTS = path.join(ROOT, '.cache/contract');

export interface ContractRun {
  ok: boolean;
  /** The report's failure section (empty when it passed), and where the whole report is. */
  failures: string;
  report: string;
  /** "N generated, M found …" */
  cases: string;
}

/**
 * A cursor as the API issues them (pagination.ts), for the lists' `cursor` parameter: a numeric
 * position (what rating and distance sorts need; id-sorted lists read only the id) and a row id.
 */
export const issuedCursor = () => encodeCursor({ after: 0, id: randomUUID() });

export async function runSchemathesis(opts: {
  service: string;
  baseUrl: string;
  token: string;
  maxExamples?: number;
  seed?: string;
}): Promise<ContractRun> {
  await mkdir(REPORTS, { recursive: true });
  const report = path.join(REPORTS, `${opts.service}.txt`);
  const args = [
    '--config-file',
    CONFIG,
    'run',
    `${opts.baseUrl}/openapi.json`,
    '--header',
    `Authorization: Bearer ${opts.token}`,
    '--max-examples',
    String(opts.maxExamples ?? 25),
    '--no-color',
    ...(opts.seed ? ['--seed', opts.seed] : []),
  ];
  const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
    execFile(
      SCHEMATHESIS,
      args,
      {
        // Schemathesis keeps its own cache (.schemathesis/) in the working folder.
        cwd: REPORTS,
        env: { ...process.env, CONTRACT_CURSOR: issuedCursor(), NO_COLOR: '1' },
        maxBuffer: 64 * 1024 * 1024,
        timeout: 600_000,
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, output: stdout + stderr }),
    );
  });
  await writeFile(report, output);
  const failures = output.match(/^=+ FAILURES =+$[\s\S]*?(?=^=+ (WARNINGS|SUMMARY) =+$)/m)?.[0] ?? '';
  const cases = output.match(/^\s*\d+ generated.*$/m)?.[0]?.trim() ?? '';
  return { ok: code === 0, failures: code === 0 ? '' : failures || output.slice(-4000), report, cases };
}
