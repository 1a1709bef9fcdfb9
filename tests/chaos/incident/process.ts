/**
 * Gym incidents and their escalation process as a chaos process, through the public HTTP APIs
 * only: a gym business's owner reports incidents at its branch (with an Idempotency-Key, so a
 * retried report is one incident), then, while workers die and Temporal/PostgreSQL restart:
 *   acknowledged: acknowledged within the SLA, then resolved;
 *   resolved:     resolved at once.
 * Every read of an open incident starts its process if a crash kept it from starting, so the
 * settle phase's reads are part of what is proved. The SLA is the default (minutes): nothing is
 * due to escalate during the run (escalation itself is the time-skipping and live tests').
 * The check reads the gym's database and the chaos Temporal server: every incident resolved, its
 * process started and completed (0 lost); one incident per report, one `reported` and one
 * `resolved` entry on its timeline, no escalation (0 duplicated).
 */
import { sleep } from '../http.ts';
import { GYM, must, signUpGym, type User } from '../gym.ts';
import type { Case, ChaosProcess, Expectation, RunContext, Verdict } from '../process.ts';
import { temporalProbe } from '../temporal.ts';
import { incidentWorkflowId } from '../../../workflows/src/incident/contract.ts';

export type IncidentScenario = 'acknowledged' | 'resolved';

interface IncidentCase {
  incidentId?: string;
  status?: string;
}
interface World {
  owner: User;
  tenantId: string;
  branchId: string;
}

const data = (c: Case) => c.data as IncidentCase;
const EXPECTED: Expectation = { states: ['resolved, process completed'] };

export function incidentProcess(): ChaosProcess<IncidentScenario> {
  let world: World | undefined;
  const note = (ctx: RunContext, c: Case, step: string, result: string) =>
    c.steps.push({ at: Math.round(ctx.clock() * 10) / 10, step, result });

  /** The incident's status as the API shows it (a read also starts a process that never started). */
  async function status(ctx: RunContext, c: Case): Promise<string | undefined> {
    const r = data(c);
    if (!r.incidentId || Date.now() >= ctx.deadline) return undefined;
    const a = await must(
      ctx,
      ctx.urls.gym,
      'GET',
      `${GYM}/incidents/${r.incidentId}`,
      { token: world!.owner.token },
      [200],
    ).catch(() => null);
    r.status = (a?.body.data.status as string | undefined) ?? r.status;
    return a ? r.status : undefined;
  }

  /** The process's state on the chaos Temporal server (undefined: not known now). */
  async function processStatus(c: Case): Promise<string | undefined> {
    const r = data(c);
    if (!r.incidentId) return undefined;
    const probe = temporalProbe();
    try {
      return (await probe.describe(incidentWorkflowId(world!.tenantId, r.incidentId))).status;
    } catch {
      return undefined;
    } finally {
      await probe.close().catch(() => undefined);
    }
  }

  return {
    name: 'incident',
    // A small share on top of the deals (2 in the 30-deal run and in a short one).
    cases: (deals) => Math.min(3, Math.max(2, Math.round(deals / 15))),
    scenarios: { acknowledged: 1, resolved: 1 },

    async prepare(ctx) {
      const { owner, tenantId, branchId } = await signUpGym(ctx, 'incidents', {
        name: 'Chaos Incidentes',
        address: 'Av. Caos 4',
      });
      world = { owner, tenantId, branchId };
    },

    plan() {},

    async drive(ctx, c) {
      const r = data(c);
      const w = world!;
      const step = async (action: 'acknowledge' | 'resolve') => {
        await must(
          ctx,
          ctx.urls.gym,
          'POST',
          `${GYM}/incidents/${r.incidentId}/${action}`,
          { token: w.owner.token, ...(action === 'resolve' && { body: { resolution: 'Reparado (caos)' } }) },
          [200, 409],
        );
        note(ctx, c, action, 'done');
      };
      try {
        // A seeded pause, so the steps fall among the faults.
        await sleep(c.rng.int(2000, 20000));
        const reported = await must(
          ctx,
          ctx.urls.gym,
          'POST',
          `${GYM}/incidents`,
          {
            token: w.owner.token,
            idempotencyKey: `chaos-${ctx.runId}-${c.id}-incident`,
            body: { branchId: w.branchId, title: `Caos ${c.id}`, priority: 'high' },
          },
          [200, 201],
        );
        r.incidentId = reported.body.data.id as string;
        note(ctx, c, 'report', r.incidentId);
        await sleep(c.rng.int(1000, 6000));
        if (c.scenario === 'acknowledged') {
          await step('acknowledge');
          await sleep(c.rng.int(1000, 6000));
        }
        await step('resolve');
      } catch (err) {
        c.driverError = (err as Error).message;
        note(ctx, c, 'drive', c.driverError);
      }
    },

    expected: () => EXPECTED,

    async settled(ctx, c) {
      if (c.driverError) return true;
      if ((await status(ctx, c)) !== 'resolved') return false;
      return (await processStatus(c)) === 'COMPLETED';
    },

    async check(ctx, cases): Promise<Verdict[]> {
      const db = await ctx.db();
      const verdicts: Verdict[] = [];
      try {
        for (const c of cases) {
          const v: Verdict = {
            caseId: c.id,
            scenario: c.scenario,
            expected: EXPECTED,
            final: null,
            lost: [],
            duplicated: [],
            notes: c.driverError ? [`driver: ${c.driverError}`] : [],
          };
          verdicts.push(v);
          const rows = await db.query<{ id: string; status: string; started: boolean; level: number }>(
            `select id, status, workflow_started_at is not null as started, escalation_level as level
               from gym.incidents where tenant_id = $1 and title = $2`,
            [world!.tenantId, `Caos ${c.id}`],
          );
          if (rows.rows.length > 1) v.duplicated.push(`${rows.rows.length} incidents for one report`);
          const row = rows.rows[0];
          if (!row) {
            v.lost.push(`never became an incident (${c.driverError ?? 'no row'})`);
            continue;
          }
          const process = await processStatus(c);
          v.final = `${row.status}, process ${process?.toLowerCase() ?? 'unknown'}`;
          if (row.status !== 'resolved') v.lost.push(`the incident is ${row.status}, expected resolved`);
          if (!row.started) v.lost.push('its process never started (workflow_started_at is null)');
          if (process !== 'COMPLETED')
            v.lost.push(`its process is ${process ?? 'not found'}, expected completed`);
          if (row.level !== 0) v.notes.push(`escalation level ${row.level}`);
          const events = await db.query<{ type: string; n: string }>(
            `select type, count(*) as n from gym.incident_events where tenant_id = $1 and incident_id = $2 group by type`,
            [world!.tenantId, row.id],
          );
          const count = (type: string) => Number(events.rows.find((e) => e.type === type)?.n ?? 0);
          for (const type of ['reported', 'resolved'])
            if (count(type) > 1) v.duplicated.push(`${count(type)} '${type}' entries on its timeline`);
          if (count('escalated') > 0)
            v.duplicated.push(`escalated ${count('escalated')} times within its SLA`);
          if (c.scenario === 'acknowledged' && count('acknowledged') > 1)
            v.duplicated.push(`${count('acknowledged')} 'acknowledged' entries on its timeline`);
        }
      } finally {
        await db.end().catch(() => undefined);
      }
      return verdicts;
    },
  };
}
