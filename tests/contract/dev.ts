/**
 * `make contract`: Schemathesis (schemathesis.toml) against the running `make dev` APIs, each as a
 * demo owner of the business it serves, with a random seed unless CONTRACT_SEED is set (make test
 * replays one seed against harness servers; this explores). Knobs: CONTRACT_SERVICES,
 * CONTRACT_MAX_EXAMPLES (25). Reports in .cache/contract/<service>.txt; exit 1 on any failure.
 */
import { runSchemathesis } from './schemathesis.ts';

const PORTS: Record<string, number> = {
  identity: 4001,
  payments: 4002,
  marketplace: 4003,
  notifications: 4006,
  gym: 4004,
  pos: 4005,
};
// Who calls each API: an owner of the business the service serves (every permission, one tenant).
const USERS: Record<string, [email: string, tenant: string]> = {
  identity: ['owner@conectar.demo', 'conectar'],
  payments: ['owner@fastops-bistro.demo', 'fastops-bistro'],
  marketplace: ['owner@conectar.demo', 'conectar'],
  notifications: ['owner@conectar.demo', 'conectar'],
  gym: ['owner@zentro-gym.demo', 'zentro-gym'],
  pos: ['owner@fastops-bistro.demo', 'fastops-bistro'],
};

async function login(email: string, tenant: string): Promise<string> {
  const res = await fetch(`http://localhost:${PORTS.identity}/api/identity/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tenant, email, password: 'faena-demo-2026' }),
  });
  if (!res.ok) throw new Error(`login as ${email} failed: ${res.status}`);
  return ((await res.json()) as { data: { accessToken: string } }).data.accessToken;
}

let status = 0;
for (const service of (process.env.CONTRACT_SERVICES ?? Object.keys(PORTS).join(' ')).split(/\s+/)) {
  const port = PORTS[service];
  if (!port) throw new Error(`unknown service ${service}`);
  const up = await fetch(`http://localhost:${port}/health/ready`).then(
    (r) => r.ok,
    () => false,
  );
  if (!up) {
    process.stdout.write(`contract: ${service} is not running on :${port} (make dev)\n`);
    status = 2;
    continue;
  }
  const [email, tenant] = USERS[service]!;
  const run = await runSchemathesis({
    service,
    baseUrl: `http://localhost:${port}`,
    token: await login(email, tenant),
    maxExamples: Number(process.env.CONTRACT_MAX_EXAMPLES ?? 25),
    ...(process.env.CONTRACT_SEED && { seed: process.env.CONTRACT_SEED }),
  });
  process.stdout.write(
    `contract: ${service} as ${email}: ${run.ok ? 'passed' : 'FAILED'} (${run.cases}; ${run.report})\n`,
  );
  if (!run.ok) status = Math.max(status, 1);
}
process.exitCode = status;
