import Joi from 'joi';
import type { Context } from 'koa';
import {
  DOCUMENT_TYPES,
  DomainError,
  assertMembers,
  branchFilter,
  coversBranch,
  defineRoute,
  findPage,
  idempotency,
  notFound,
  paginationQuery,
  storeUploads,
  reply,
  startProcessOnce,
  type Route,
} from '@faena/platform';
import {
  INCIDENT_WORKFLOW_TYPE,
  incidentChanged,
  incidentWorkflowId,
  type IncidentWorkflow,
} from '@faena/workflows/incident/contract';
import { BASE_PATH } from '../constants.ts';
import type { GymDeps } from '../deps.ts';
import { Member } from '../domain/entities.ts';
import {
  INCIDENT_PRIORITIES,
  INCIDENT_STATUSES,
  Incident,
  IncidentAttachment,
  IncidentEvent,
  type IncidentPriority,
  type IncidentStatus,
} from '../domain/incident-entities.ts';
import {
  acknowledge,
  assign,
  markIncidentStarted,
  needsProcess,
  presentIncident,
  presentSla,
  reportIncident,
  resolve,
  saveSlaSettings,
  slaMinutes,
  slaSettingsOf,
} from '../domain/incidents.ts';
import { settingsOf } from '../domain/settings.ts';
import { em, id, me, params, tenant, text } from './common.ts';
import { incidentOut, incidentSettingsOut } from './incident-responses.ts';

const minutes = Joi.number()
  .integer()
  .min(1)
  .max(60 * 24 * 30);

export function incidentRoutes(deps: GymDeps): Route[] {
  const { guard, storage } = deps;
  const idem = idempotency({ redis: deps.redis, scope: 'gym' });
  /** An incident of a branch the caller's `permission` covers; any other is not found. */
  const load = async (ctx: Context, incidentId: string, permission: string) => {
    const i = await em().findOne(Incident, { id: incidentId });
    if (!i || !coversBranch(ctx, permission, i.branchId)) throw notFound('Incident');
    await ensureProcess(i);
    return i;
  };
  const full = async (i: Incident) => {
    const [attachments, events] = await Promise.all([
      em().find(IncidentAttachment, { incidentId: i.id }, { orderBy: { id: 'asc' } }),
      em().find(IncidentEvent, { incidentId: i.id }, { orderBy: { createdAt: 'asc', id: 'asc' } }),
    ]);
    return presentIncident(i, attachments, events);
  };
  /**
   * Starts the incident's escalation once the incident is committed, and marks it started. A
   * failed start is logged and the incident stays unmarked: every later read or change of it
   * (`load`, the list) tries again, so a reported incident never loses its escalation. A start
   * that finds the workflow already there counts as started.
   */
  const ensureProcess = async (i: Incident) => {
    if (!needsProcess(i)) return;
    const settings = await settingsOf(em(), i.tenantId);
    try {
      await startProcessOnce<IncidentWorkflow>(deps.temporal, INCIDENT_WORKFLOW_TYPE, {
        taskQueue: deps.incidentTaskQueue,
        workflowId: incidentWorkflowId(i.tenantId, i.id),
        args: [
          {
            tenantId: i.tenantId,
            incidentId: i.id,
            branchId: i.branchId,
            title: i.title,
            priority: i.priority,
            // Not escalated before its first start: its due time is still the report's SLA.
            slaMinutes: Math.round((i.slaDueAt.getTime() - i.createdAt.getTime()) / 60_000),
            reportedAt: i.createdAt.toISOString(),
            timeZone: settings.timeZone,
          },
        ],
        searchAttributes: {
          TenantId: [i.tenantId],
          BusinessKey: [`incident:${i.id}`],
          ProcessStatus: ['waiting_acknowledgement'],
        },
      });
    } catch (err) {
      deps.logger.error('incident escalation not started; retried on its next read', {
        incidentId: i.id,
        error: String(err),
      });
      return;
    }
    await markIncidentStarted(em(), i);
  };
  /** Tells the incident's process what staff did (a finished process has nothing to stop). */
  const tell = async (i: Incident, status: 'in_progress' | 'resolved', actorId: string) => {
    try {
      await deps.temporal.workflow
        .getHandle(incidentWorkflowId(i.tenantId, i.id))
        .signal(incidentChanged, { status, actorId });
    } catch (err) {
      deps.logger.info('incident process not signalled', { incidentId: i.id, error: String(err) });
    }
  };

  return [
    defineRoute({
      method: 'post',
      path: '/incidents',
      summary:
        "Report an incident at a branch (a member or staff): it is the branch reception's to acknowledge within the business's SLA for its priority, then escalates to the manager and the owner",
      tags: ['incidents'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('incidents.report', { body: 'branchId' }), idem],
      schemas: {
        body: Joi.object<{
          branchId: string;
          title: string;
          description?: string;
          priority: IncidentPriority;
          assigneeId?: string;
        }>({
          branchId: id.required(),
          title: text(200).required(),
          description: Joi.string().max(4000).allow(''),
          priority: Joi.string()
            .valid(...INCIDENT_PRIORITIES)
            .required(),
          assigneeId: id.description('staff in charge (incidents.manage only)'),
        }).required(),
        response: incidentOut,
      },
      handler: async (ctx, input) => {
        const b = input.body;
        if (b.assigneeId && !coversBranch(ctx, 'incidents.manage', b.branchId))
          throw new DomainError('FORBIDDEN', 'Only incidents.manage assigns incidents', {
            field: 'body.assigneeId',
          });
        await assertMembers(guard, ctx, {
          branches: { 'body.branchId': b.branchId },
          users: { 'body.assigneeId': b.assigneeId },
        });
        const reporter = await em().findOne(Member, { userId: me(ctx) });
        const sla = slaMinutes(await slaSettingsOf(em(), tenant(ctx)), b.priority);
        const i = await reportIncident(em(), {
          ...b,
          reportedBy: me(ctx),
          reporterMemberId: reporter?.id ?? null,
          slaMinutes: sla,
          now: new Date(),
        });
        await ensureProcess(i);
        return reply(await full(i), { status: 201, headers: { Location: `${BASE_PATH}/incidents/${i.id}` } });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/incidents',
      summary: "Incidents of the branches the caller's incidents.read covers, newest first",
      tags: ['incidents'],
      auth: true,
      middleware: [guard.requirePermission('incidents.read', 'records')],
      schemas: {
        query: Joi.object<{
          limit: number;
          cursor?: string;
          branchId?: string;
          status?: IncidentStatus;
          priority?: IncidentPriority;
        }>({
          ...paginationQuery,
          branchId: id,
          status: Joi.string().valid(...INCIDENT_STATUSES),
          priority: Joi.string().valid(...INCIDENT_PRIORITIES),
        }),
        response: Joi.array().items(incidentOut),
      },
      handler: async (ctx, input) => {
        const q = input.query;
        const where: Record<string, unknown>[] = [branchFilter(ctx, 'incidents.read')];
        if (q.branchId) where.push({ branchId: q.branchId });
        if (q.status) where.push({ status: q.status });
        if (q.priority) where.push({ priority: q.priority });
        const { items, meta } = await findPage(em(), Incident, { $and: where } as Record<string, unknown>, q);
        for (const i of items) await ensureProcess(i);
        return reply(
          items.map((i) => presentIncident(i)),
          { meta },
        );
      },
    }),
    defineRoute({
      method: 'get',
      path: '/incidents/:id',
      summary: 'One incident with its attachments and timeline (escalations included)',
      tags: ['incidents'],
      auth: true,
      middleware: [guard.requirePermission('incidents.read', 'records')],
      schemas: { params, response: incidentOut },
      handler: async (ctx, input) => full(await load(ctx, input.params.id, 'incidents.read')),
    }),
    defineRoute({
      method: 'post',
      path: '/incidents/:id/assign',
      summary: 'Put a staff user in charge of an incident',
      tags: ['incidents'],
      auth: true,
      middleware: [guard.requirePermission('incidents.manage', 'records')],
      schemas: {
        params,
        body: Joi.object<{ assigneeId: string }>({ assigneeId: id.required() }).required(),
        response: incidentOut,
      },
      handler: async (ctx, input) => {
        const i = await load(ctx, input.params.id, 'incidents.manage');
        await assertMembers(guard, ctx, { users: { 'body.assigneeId': input.body.assigneeId } });
        return full(await assign(em(), i.id, input.body.assigneeId, me(ctx)));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/incidents/:id/acknowledge',
      summary: 'Take an open incident (open → in_progress): its escalation stops',
      tags: ['incidents'],
      auth: true,
      middleware: [guard.requirePermission('incidents.manage', 'records')],
      schemas: { params, response: incidentOut },
      handler: async (ctx, input) => {
        const i = await load(ctx, input.params.id, 'incidents.manage');
        const done = await acknowledge(em(), i.id, me(ctx), new Date());
        await tell(done, 'in_progress', me(ctx));
        return full(done);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/incidents/:id/resolve',
      summary: 'Resolve an incident with what was done (its escalation stops)',
      tags: ['incidents'],
      auth: true,
      middleware: [guard.requirePermission('incidents.manage', 'records')],
      schemas: {
        params,
        body: Joi.object<{ resolution: string }>({ resolution: text(4000).required() }).required(),
        response: incidentOut,
      },
      handler: async (ctx, input) => {
        const i = await load(ctx, input.params.id, 'incidents.manage');
        const done = await resolve(em(), i.id, {
          resolution: input.body.resolution,
          actor: me(ctx),
          now: new Date(),
        });
        await tell(done, 'resolved', me(ctx));
        return full(done);
      },
    }),
    {
      method: 'post',
      path: '/incidents/:id/attachments',
      summary:
        'Attach photos or documents to an incident (multipart: one or more `files`, JPEG/PNG/WebP/PDF checked by content): its reporter, or incidents.manage',
      tags: ['incidents'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('incidents.report', 'records')],
      schemas: {
        params,
        response: incidentOut,
        multipart: { fields: Joi.object({}), file: 'files', maxFiles: deps.uploads.maxFiles },
      },
      handler: async (ctx: Context) => {
        const incidentId = String((ctx.params as { id: string }).id);
        const i = await em().findOne(Incident, { id: incidentId });
        if (!i || (i.reportedBy !== me(ctx) && !coversBranch(ctx, 'incidents.manage', i.branchId)))
          throw notFound('Incident');
        await ensureProcess(i);
        const { files } = await storeUploads<Record<string, never>>(ctx, storage, {
          ...deps.uploads,
          fileField: 'files',
          accept: DOCUMENT_TYPES,
          fields: Joi.object({}),
          missing: 'Attach at least one file as `files`',
          keyOf: (fileId, ext) => `${i.tenantId}/incidents/${i.id}/${fileId}.${ext}`,
        });
        for (const f of files)
          em().create(IncidentAttachment, {
            id: f.id,
            tenantId: i.tenantId,
            incidentId: i.id,
            storageKey: f.key,
            contentType: f.contentType,
            size: f.body.length,
          });
        await em().flush();
        return reply(await full(i), { status: 201 });
      },
    },
    defineRoute({
      method: 'get',
      path: '/incidents/:id/attachments/:attachmentId',
      summary: "An incident's attachment",
      produces: { contentType: [...DOCUMENT_TYPES] },
      tags: ['incidents'],
      auth: true,
      middleware: [guard.requirePermission('incidents.read', 'records')],
      schemas: {
        params: Joi.object<{ id: string; attachmentId: string }>({
          id: id.required(),
          attachmentId: id.required(),
        }),
      },
      handler: async (ctx, input) => {
        const i = await load(ctx, input.params.id, 'incidents.read');
        const a = await em().findOne(IncidentAttachment, { id: input.params.attachmentId, incidentId: i.id });
        const file = a && (await storage.get(a.storageKey));
        if (!file) throw notFound('Attachment');
        return reply(file.body, {
          raw: true,
          headers: {
            'Content-Type': file.contentType,
            'Content-Length': String(file.body.length),
            'Cache-Control': 'private, max-age=300',
            'Content-Disposition': 'inline',
          },
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/incident-settings',
      summary: "The business's incident SLAs: minutes each escalation step has to acknowledge, per priority",
      tags: ['incidents'],
      auth: true,
      middleware: [guard.requirePermission('incidents.read', 'records')],
      schemas: { response: incidentSettingsOut },
      handler: async (ctx) => presentSla(await slaSettingsOf(em(), tenant(ctx))),
    }),
    defineRoute({
      method: 'put',
      path: '/incident-settings',
      summary: "Set the business's incident SLAs per priority (minutes; new incidents take them)",
      tags: ['incidents'],
      auth: true,
      middleware: [guard.requirePermission('incidents.configure', 'tenant')],
      schemas: {
        body: Joi.object<{ slaMinutes: Partial<Record<IncidentPriority, number>> }>({
          slaMinutes: Joi.object({ low: minutes, medium: minutes, high: minutes, urgent: minutes })
            .min(1)
            .required(),
        }).required(),
        response: incidentSettingsOut,
      },
      handler: async (ctx, input) =>
        presentSla(await saveSlaSettings(em(), tenant(ctx), input.body.slaMinutes)),
    }),
  ];
}
