import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * One contract per process (workflows/src/<process>/contract.ts) owns its workflow type, task
 * queues, ids and message names. Everyone else uses those constants and typed definitions: a
 * workflow started, signalled, updated or queried by a string literal of its own is a name that can
 * drift from the workflow unnoticed (it compiles, and fails at run time).
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const rel = (f: string) => path.relative(ROOT, f);

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (['node_modules', 'dist', 'histories'].includes(name)) return [];
    if (statSync(full).isDirectory()) return tsFiles(full);
    return name.endsWith('.ts') ? [full] : [];
  });
}
const serviceDirs = readdirSync(path.join(ROOT, 'services')).map((s) => path.join(ROOT, 'services', s));
const PRODUCTION = [...serviceDirs.map((s) => path.join(s, 'src')), path.join(ROOT, 'workflows/src')].flatMap(
  tsFiles,
);
const TESTS = [
  ...serviceDirs.map((s) => path.join(s, 'test')),
  path.join(ROOT, 'workflows/test'),
  path.join(ROOT, 'workflows/scripts'),
  path.join(ROOT, 'tests'),
].flatMap((d) => {
  try {
    return tsFiles(d).filter((f) => f !== fileURLToPath(import.meta.url));
  } catch {
    return [];
  }
});
const isContract = (f: string) => f.endsWith('/contract.ts');
const isWorkflowCode = (f: string) => rel(f).startsWith('workflows/src/');

/** A Temporal name given as a string literal where a workflow or message is addressed. */
const ADDRESSED_BY_STRING =
  /(?:workflow\.(?:start|execute|signalWithStart)|\.(?:signal|executeUpdate|startUpdate|executeWithStart|query))(?:<[^>(]*>)?\(\s*(['"`])([^'"`]+)\1|\b(?:workflowType|signal|update|query):\s*(['"`])([^'"`]+)\3/g;
const DEFINITION = /\bdefine(?:Signal|Update|Query)\s*(?:<[^(]*>)?\(\s*(['"`])([^'"`]+)\1/g;
const TYPE_CONSTANT = /export const \w+_WORKFLOW_TYPE = '([^']+)'/g;

function literals(file: string, re: RegExp, group: number): Array<{ name: string; line: number }> {
  const text = readFileSync(file, 'utf8');
  return (
    [...text.matchAll(re)]
      .map((m) => ({ name: m[group] ?? m[group + 2] ?? '', line: text.slice(0, m.index).split('\n').length }))
      // A Temporal name is one word (`escrow`, `providerNotified`); SQL through `.query()` is not.
      .filter((m) => /^[A-Za-z_][\w.-]*$/.test(m.name))
  );
}

/** Every name the contracts own: workflow types and message names. */
const contractFiles = PRODUCTION.filter(isContract);
const CONTRACT_NAMES = new Set(
  contractFiles.flatMap((f) => [
    ...literals(f, TYPE_CONSTANT, 1).map((m) => m.name),
    ...literals(f, DEFINITION, 2).map((m) => m.name),
  ]),
);

describe('process contracts', () => {
  it('own the names of every workflow and message (found in the contract files)', () => {
    expect(contractFiles.map(rel).sort()).toEqual([
      'workflows/src/cash-closure/contract.ts',
      'workflows/src/escrow/contract.ts',
      'workflows/src/identity/contract.ts',
      'workflows/src/incident/contract.ts',
      'workflows/src/notifications/contract.ts',
      'workflows/src/payments/contract.ts',
      'workflows/src/printing/contract.ts',
      'workflows/src/renewal/contract.ts',
      'workflows/src/stock/contract.ts',
      'workflows/src/waitlist/contract.ts',
    ]);
    for (const name of [
      'escrow',
      'paymentSync',
      'reconcilePayments',
      'providerNotified',
      'approve',
      'status',
      'renewal',
      'renewalStatus',
      'cancelAtPeriodEnd',
      'changePlan',
      'incident',
      'incidentChanged',
      'incidentStatus',
      'lowStockAlert',
    ])
      expect(CONTRACT_NAMES).toContain(name);
  });

  it('production code defines messages only in contracts and addresses workflows by no string', () => {
    const found = PRODUCTION.filter((f) => !isContract(f)).flatMap((f) => [
      ...literals(f, DEFINITION, 2).map((m) => `${rel(f)}:${m.line} defines '${m.name}'`),
      ...literals(f, ADDRESSED_BY_STRING, 2).map(
        (m) => `${rel(f)}:${m.line} addresses '${m.name}' by a string`,
      ),
    ]);
    expect(found).toEqual([]);
  });

  it("tests address the product's workflows and messages through their contracts too", () => {
    const found = TESTS.flatMap((f) =>
      literals(f, ADDRESSED_BY_STRING, 2)
        .filter((m) => CONTRACT_NAMES.has(m.name))
        .map((m) => `${rel(f)}:${m.line} addresses '${m.name}' by a string`),
    );
    expect(found).toEqual([]);
  });

  it('the workflow package depends on no service, and its code imports none', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'workflows/package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const services = readdirSync(path.join(ROOT, 'services')).filter((s) => s !== 'platform');
    expect(Object.keys(pkg.dependencies).filter((d) => services.some((s) => d === `@faena/${s}`))).toEqual(
      [],
    );
    const imports = PRODUCTION.filter(isWorkflowCode).flatMap((f) =>
      [...readFileSync(f, 'utf8').matchAll(/from '(@faena\/(?!platform)[^']+|[^']*services\/[^']+)'/g)].map(
        (m) => `${rel(f)} imports ${m[1]}`,
      ),
    );
    expect(imports).toEqual([]);
  });

  it('the rule itself catches a string-addressed workflow and a stray definition', () => {
    const sample = `await client.workflow.start('escrow', {}); await h.signal('providerNotified');
      x.executeUpdate<S>('approve', {}); const q = defineQuery('status'); schedule({ workflowType: 'reconcilePayments' });`;
    expect([...sample.matchAll(ADDRESSED_BY_STRING)].map((m) => m[2] ?? m[4])).toEqual([
      'escrow',
      'providerNotified',
      'approve',
      'reconcilePayments',
    ]);
    expect([...sample.matchAll(DEFINITION)].map((m) => m[2])).toEqual(['status']);
  });
});
