/**
 * terraform/: `terraform fmt -check` with the real binary, and a structural check of every module and
 * environment through terraform-config-inspect (HashiCorp's own config loader): typed and described
 * variables, sensitive secrets, documented outputs, pinned providers, module calls that pass exactly
 * declared variables and every required one, references to declared variables and module outputs.
 *
 * `terraform validate` is not run: it needs the providers' schemas, and providers come only from
 * registry.terraform.io (unreachable here) or their Go modules, which the Go module proxy refuses
 * (temporalio/terraform-provider-temporalcloud, hashicorp/terraform-provider-helm after v1.3.2, …).
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROOT, ok, run, writeTemp } from './tools.ts';

const TF = join(ROOT, 'terraform');
const MODULES = ['database', 'cache', 'temporal-namespace', 'faena-release'];
const ENVIRONMENTS = ['staging', 'production'];
const dirs = [
  ...MODULES.map((m) => join(TF, 'modules', m)),
  ...ENVIRONMENTS.map((e) => join(TF, 'environments', e)),
];

interface Inspect {
  path: string;
  required_core?: string[];
  required_providers: Record<string, { source?: string; version_constraints?: string[] }>;
  variables: Record<
    string,
    { name: string; type: string; description: string; required: boolean; sensitive?: boolean }
  >;
  outputs: Record<string, { name: string; description: string; sensitive?: boolean }>;
  module_calls: Record<string, { name: string; source: string }>;
  diagnostics?: { severity: string; summary: string; detail: string }[];
}

const inspect = (dir: string): Inspect => JSON.parse(ok('terraform-config-inspect', ['--json', dir]));
const tfText = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.tf'))
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');

/** Top-level argument names of each `module "<name>" { … }` block (brace-matched). */
function moduleCallArguments(text: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const re = /^module\s+"([^"]+)"\s*\{/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    let depth = 1;
    let i = m.index + m[0].length;
    const start = i;
    for (; i < text.length && depth > 0; i++) {
      if (text[i] === '{' || text[i] === '[' || text[i] === '(') depth++;
      else if (text[i] === '}' || text[i] === ']' || text[i] === ')') depth--;
    }
    const body = text.slice(start, i - 1);
    // Arguments at the block's own level: lines indented by exactly two spaces (terraform fmt).
    out[m[1] ?? ''] = [...body.matchAll(/^ {2}([a-z_][a-z0-9_]*)\s*=/gm)].map((x) => x[1] ?? '');
  }
  return out;
}

const SECRET_PATTERN =
  /(password|secret|token|signing_keys|api_key$|client_cert|client_key|accepted_client_ca|database_url|redis_url|app_secrets|^url$|auth_token)/;
/** Names that carry a secret value (a name *of* a Secret, `…_secret_name`, does not). */
const SECRET_NAME = { test: (name: string) => SECRET_PATTERN.test(name) && !name.endsWith('_name') };

describe('terraform fmt', () => {
  test('every file is canonically formatted (terraform fmt -check -recursive)', () => {
    const r = run('terraform', ['fmt', '-check', '-recursive', '-diff', TF]);
    expect(r.stdout).toBe('');
    expect(r.status).toBe(0);
  });

  test('fmt -check really catches a badly formatted file', () => {
    const bad = writeTemp('bad.tf', 'variable "x" {\ntype=string\n    description="y"\n}\n');
    expect(run('terraform', ['fmt', '-check', bad]).status).not.toBe(0);
  });
});

describe.each(dirs.map((d) => [d.slice(TF.length + 1), d] as const))('%s', (_name, dir) => {
  const info = inspect(dir);

  test('loads without diagnostics, pins terraform and every provider (source + version)', () => {
    expect(info.diagnostics ?? []).toEqual([]);
    expect(info.required_core).toEqual(['>= 1.6.0']);
    expect(Object.keys(info.required_providers).length).toBeGreaterThan(0);
    for (const [name, p] of Object.entries(info.required_providers)) {
      expect({ name, source: p.source, pinned: (p.version_constraints ?? []).length > 0 }).toEqual({
        name,
        source: expect.stringMatching(/^[a-z0-9-]+\/[a-z0-9-]+$/),
        pinned: true,
      });
    }
  });

  test('every variable is typed and described; secrets are marked sensitive', () => {
    for (const v of Object.values(info.variables)) {
      expect({ v: v.name, typed: v.type !== '', described: v.description.length > 10 }).toEqual({
        v: v.name,
        typed: true,
        described: true,
      });
      if (SECRET_NAME.test(v.name))
        expect({ v: v.name, sensitive: v.sensitive === true }).toEqual({ v: v.name, sensitive: true });
    }
  });

  test('every output is documented; secret outputs are sensitive', () => {
    expect(Object.keys(info.outputs).length).toBeGreaterThan(0);
    for (const o of Object.values(info.outputs)) {
      expect({ o: o.name, described: o.description.length > 5 }).toEqual({ o: o.name, described: true });
      if (SECRET_NAME.test(o.name))
        expect({ o: o.name, sensitive: o.sensitive === true }).toEqual({ o: o.name, sensitive: true });
    }
  });

  test('uses only declared variables and existing module outputs', () => {
    const text = tfText(dir);
    const used = new Set([...text.matchAll(/\bvar\.([a-z_][a-z0-9_]*)/g)].map((m) => m[1] ?? ''));
    expect([...used].filter((v) => !(v in info.variables))).toEqual([]);
    for (const [call, source] of Object.entries(info.module_calls).map(([n, c]) => [n, c.source] as const)) {
      const outputs = inspect(resolve(dir, source)).outputs;
      const refs = [...text.matchAll(new RegExp(`\\bmodule\\.${call}\\.([a-z_][a-z0-9_]*)`, 'g'))].map(
        (m) => m[1] ?? '',
      );
      expect({ call, unknown: refs.filter((r) => !(r in outputs)) }).toEqual({ call, unknown: [] });
    }
  });

  test('module calls pass exactly declared variables, and all required ones', () => {
    const args = moduleCallArguments(tfText(dir));
    expect(Object.keys(args).sort()).toEqual(Object.keys(info.module_calls).sort());
    for (const [call, { source }] of Object.entries(info.module_calls)) {
      const target = resolve(dir, source);
      expect(existsSync(target)).toBe(true);
      const vars = inspect(target).variables;
      const passed = (args[call] ?? []).filter(
        (a) => a !== 'source' && a !== 'providers' && a !== 'depends_on' && a !== 'count' && a !== 'for_each',
      );
      expect({ call, undeclared: passed.filter((a) => !(a in vars)) }).toEqual({ call, undeclared: [] });
      const missing = Object.values(vars)
        .filter((v) => v.required && !passed.includes(v.name))
        .map((v) => v.name);
      expect({ call, missing }).toEqual({ call, missing: [] });
    }
  });
});

test.each(ENVIRONMENTS)(
  'environments/%s uses the database, cache, Temporal namespace and release modules',
  (env) => {
    const calls = Object.values(inspect(join(TF, 'environments', env)).module_calls)
      .map((c) => c.source)
      .sort();
    expect(calls).toEqual(MODULES.map((m) => `../../modules/${m}`).sort());
  },
);

test("the release module deploys this repository's chart and wires the secrets into an existing Secret", () => {
  const text = tfText(join(TF, 'modules', 'faena-release'));
  expect(text).toContain('resource "helm_release" "faena"');
  expect(text).toContain('../../../charts/faena');
  expect(existsSync(join(TF, 'modules', 'faena-release', '../../../charts/faena/Chart.yaml'))).toBe(true);
  expect(text).toMatch(/existingSecret\s*=\s*local\.runtime_secret/);
  expect(text).toMatch(/DATABASE_URL\s*=\s*var\.database_url/);
});

test('the Temporal module creates the search attributes Faena uses', () => {
  const vars = inspect(join(TF, 'modules', 'temporal-namespace')).variables;
  const text = readFileSync(join(TF, 'modules', 'temporal-namespace', 'variables.tf'), 'utf8');
  expect(vars.search_attributes).toBeDefined();
  for (const a of ['TenantId', 'BusinessKey', 'ProcessStatus'])
    expect(text).toMatch(new RegExp(`${a}\\s*=\\s*"keyword"`));
});
