import Joi from 'joi';
import type { Context } from 'koa';
import {
  DOCUMENT_TYPES,
  assertMembers,
  coversBranch,
  defineRoute,
  findPage,
  notFound,
  paginationQuery,
  storeUploads,
  reply,
  timeZone,
  type Route,
  type StoredObject,
} from '@faena/platform';
import { BASE_PATH } from '../constants.ts';
import type { GymDeps } from '../deps.ts';
import { loadSchedule, presentOccurrence, presentSchedule } from '../domain/classes.ts';
import { ClassOccurrence } from '../domain/entities.ts';
import {
  addCertification,
  assignOccurrence,
  checkCertification,
  assignSchedule,
  createTrainer,
  loadTrainer,
  presentAvailability,
  presentCertification,
  presentTrainers,
  removeCertification,
  setAvailability,
  trainerSchedule,
  updateTrainer,
  type AvailabilityWindow,
  type CertificationInput,
  type TrainerInput,
} from '../domain/trainers.ts';
import { Trainer, TrainerCertification } from '../domain/training-entities.ts';
import { day, em, id, me, params, period, text } from './common.ts';
import { occurrenceOut, scheduleOut } from './responses.ts';
import { certificationOut, trainerOut, windowOut } from './training-responses.ts';

const DAY_MS = 86_400_000;
const time = Joi.string().pattern(/^([01]\d|2[0-3]):[0-5]\d$/);
const windows = Joi.array()
  .items(
    Joi.object<AvailabilityWindow>({
      weekday: Joi.number().integer().min(1).max(7).required().description('1 = Monday … 7 = Sunday'),
      startTime: time.required().description('local HH:mm'),
      endTime: Joi.alternatives(time, Joi.string().valid('24:00'))
        .required()
        .description('local HH:mm, after startTime; 24:00 = midnight'),
    }),
  )
  .max(50);
const profileFields = {
  displayName: text(120),
  bio: Joi.string().max(4000).allow(''),
  // Repeated specialties (also once trimmed, which the OpenAPI document's uniqueItems cannot see) are kept once.
  specialties: Joi.array()
    .items(text(60))
    .max(20)
    .custom((v: string[]) => [...new Set(v)]),
  timeZone: timeZone.description("the branch's IANA zone: availability is wall-clock time there"),
};
/** The text fields of a certificate upload (read by `storeUploads`). */
const certificationFields = Joi.object<CertificationInput>({
  name: text(200).required(),
  issuer: Joi.string().trim().max(200).allow(''),
  issuedOn: day,
  expiresOn: day,
});
const trainerParam = Joi.object<{ id: string; certificationId: string }>({
  id: id.required(),
  certificationId: id.required(),
});

/** Raw bytes of a stored file, as the browser should show them. */
export const sendStored = (file: StoredObject) =>
  reply(file.body, {
    raw: true,
    headers: {
      'Content-Type': file.contentType,
      'Content-Length': String(file.body.length),
      'Cache-Control': 'private, max-age=300',
      'Content-Disposition': 'inline',
      'X-Content-Type-Options': 'nosniff',
    },
  });

export function trainerRoutes(deps: GymDeps): Route[] {
  const { guard, storage } = deps;
  /** A trainer profile the caller's trainers.manage covers (its home branch); else not found. */
  const managed = async (ctx: Context, trainerId: string): Promise<Trainer> => {
    const t = await loadTrainer(em(), trainerId);
    if (!coversBranch(ctx, 'trainers.manage', t.branchId)) throw notFound('Trainer');
    return t;
  };
  const one = async (t: Trainer) => (await presentTrainers(em(), [t]))[0]!;
  const trainerBody = (field: string) =>
    Joi.object<{ trainerId: string | null }>({
      trainerId: id.allow(null).required().description(`the trainer (a gym profile) or null: ${field}`),
    }).required();

  const self = guard.requirePermission('trainers.self', 'self');
  /** The caller's own trainer profile (its id is their identity user id); none: not found. */
  const mine = (ctx: Context): Promise<Trainer> => loadTrainer(em(), me(ctx));
  const windowsBody = Joi.object<{ windows: AvailabilityWindow[] }>({
    windows: windows.required(),
  }).required();

  return [
    // --- a trainer's own profile (trainers.self): declared before the /trainers/:id routes
    defineRoute({
      method: 'get',
      path: '/trainers/me',
      summary: 'My trainer profile, availability and certificates',
      tags: ['trainers'],
      auth: true,
      middleware: [self],
      schemas: { response: trainerOut },
      handler: async (ctx) => one(await mine(ctx)),
    }),
    defineRoute({
      method: 'patch',
      path: '/trainers/me',
      summary: 'Change my bio and specialties (the rest of the profile is kept by managers)',
      tags: ['trainers'],
      auth: true,
      middleware: [self],
      schemas: {
        body: Joi.object<Partial<Pick<Trainer, 'bio' | 'specialties'>>>({
          bio: profileFields.bio,
          specialties: profileFields.specialties,
        })
          .min(1)
          .required(),
        response: trainerOut,
      },
      handler: async (ctx, input) => one(await updateTrainer(em(), await mine(ctx), input.body)),
    }),
    defineRoute({
      method: 'put',
      path: '/trainers/me/availability',
      summary:
        'Replace my weekly availability (local times in my zone); 409 TRAINER_UNAVAILABLE when a class I teach from now on would fall outside it',
      tags: ['trainers'],
      auth: true,
      middleware: [self],
      schemas: { body: windowsBody, response: Joi.array().items(windowOut) },
      handler: async (ctx, input) => {
        const t = await mine(ctx);
        return (
          await setAvailability(em(), t.id, input.body.windows, { keepClasses: true, field: 'body.windows' })
        ).map(presentAvailability);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/trainers',
      summary:
        "Give a staff user (role trainer) a gym profile: specialties, weekly availability in the branch's zone",
      tags: ['trainers'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('trainers.manage', { body: 'branchId' })],
      schemas: {
        body: Joi.object<TrainerInput>({
          ...profileFields,
          userId: id.required().description('the identity user (staff, role trainer)'),
          branchId: id.required(),
          displayName: profileFields.displayName.required(),
          timeZone: profileFields.timeZone.required(),
          availability: windows,
        }).required(),
        response: trainerOut,
      },
      handler: async (ctx, input) => {
        const b = input.body;
        await assertMembers(guard, ctx, {
          users: { 'body.userId': b.userId },
          branches: { 'body.branchId': b.branchId },
        });
        const t = await createTrainer(em(), b);
        return reply(await one(t), { status: 201, headers: { Location: `${BASE_PATH}/trainers/${t.id}` } });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/trainers',
      summary: "The business's trainers (of a branch, with a specialty), with availability and certificates",
      tags: ['trainers'],
      auth: true,
      middleware: [guard.requireAuth()],
      schemas: {
        query: Joi.object<{ limit: number; cursor?: string; branchId?: string; specialty?: string }>({
          ...paginationQuery,
          branchId: id,
          specialty: text(60),
        }),
        response: Joi.array().items(trainerOut),
      },
      handler: async (_ctx, input) => {
        const q = input.query;
        const { items, meta } = await findPage(
          em(),
          Trainer,
          {
            active: true,
            ...(q.branchId && { branchId: q.branchId }),
            ...(q.specialty && { specialties: { $contains: [q.specialty] } }),
          },
          q,
        );
        return reply(await presentTrainers(em(), items), { meta });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/trainers/:id',
      summary: "A trainer's profile, availability and certificates",
      tags: ['trainers'],
      auth: true,
      middleware: [guard.requireAuth()],
      schemas: { params, response: trainerOut },
      handler: async (_ctx, input) => one(await loadTrainer(em(), input.params.id)),
    }),
    defineRoute({
      method: 'patch',
      path: '/trainers/:id',
      summary: "Change a trainer's profile (active: false takes them off the list and off new classes)",
      tags: ['trainers'],
      auth: true,
      middleware: [guard.requirePermission('trainers.manage', 'records')],
      schemas: {
        params,
        body: Joi.object<
          Partial<Pick<Trainer, 'displayName' | 'bio' | 'specialties' | 'timeZone' | 'active'>>
        >({
          ...profileFields,
          active: Joi.boolean(),
        })
          .min(1)
          .required(),
        response: trainerOut,
      },
      handler: async (ctx, input) =>
        one(await updateTrainer(em(), await managed(ctx, input.params.id), input.body)),
    }),
    defineRoute({
      method: 'put',
      path: '/trainers/:id/availability',
      summary:
        "Replace a trainer's weekly availability (local times in their zone); classes already assigned stay",
      tags: ['trainers'],
      auth: true,
      middleware: [guard.requirePermission('trainers.manage', 'records')],
      schemas: {
        params,
        body: windowsBody,
        response: Joi.array().items(windowOut),
      },
      handler: async (ctx, input) => {
        const t = await managed(ctx, input.params.id);
        return (await setAvailability(em(), t.id, input.body.windows)).map(presentAvailability);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/trainers/:id/certifications',
      summary:
        'Upload a certificate (multipart: name, issuer, issuedOn, expiresOn + one `file`, PDF/JPEG/PNG/WebP checked by content)',
      tags: ['trainers'],
      auth: true,
      status: 201,
      middleware: [guard.requirePermission('trainers.manage', 'records')],
      schemas: {
        params,
        response: certificationOut,
        multipart: { fields: certificationFields, file: 'file' },
      },
      handler: async (ctx, input) => {
        const t = await managed(ctx, input.params.id);
        const { fields, files } = await storeUploads<CertificationInput>(ctx, storage, {
          ...deps.uploads,
          maxFiles: 1,
          fileField: 'file',
          accept: DOCUMENT_TYPES,
          fields: certificationFields,
          missing: 'Attach the certificate as `file`',
          check: checkCertification,
          keyOf: (certificationId, ext) =>
            `gym/${t.tenantId}/trainers/${t.id}/certifications/${certificationId}.${ext}`,
        });
        const c = await addCertification(em(), t, fields, files[0]!);
        return reply(presentCertification(c), {
          status: 201,
          headers: { Location: `${BASE_PATH}/trainers/${t.id}/certifications/${c.id}/file` },
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/trainers/:id/certifications/:certificationId/file',
      summary: "A certificate's file (the trainer themself, or trainers.manage in their branch)",
      produces: { contentType: [...DOCUMENT_TYPES] },
      tags: ['trainers'],
      auth: true,
      middleware: [guard.requireAuth()],
      schemas: { params: trainerParam },
      handler: async (ctx, input) => {
        const t = await loadTrainer(em(), input.params.id);
        if (t.id !== me(ctx) && !coversBranch(ctx, 'trainers.manage', t.branchId))
          throw notFound('Certificate');
        const c = await em().findOne(TrainerCertification, {
          id: input.params.certificationId,
          trainerId: t.id,
        });
        const file = c && (await storage.get(c.storageKey));
        if (!file) throw notFound('Certificate');
        return sendStored(file);
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/trainers/:id/certifications/:certificationId',
      summary: 'Remove a certificate and its file',
      tags: ['trainers'],
      auth: true,
      status: 204,
      middleware: [guard.requirePermission('trainers.manage', 'records')],
      schemas: { params: trainerParam },
      handler: async (ctx, input) => {
        const t = await managed(ctx, input.params.id);
        const c = await em().findOne(TrainerCertification, {
          id: input.params.certificationId,
          trainerId: t.id,
        });
        if (!c) throw notFound('Certificate');
        await removeCertification(em(), storage, c);
        return reply(null, { status: 204 });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/trainers/:id/schedule',
      summary: 'The classes a trainer teaches between from and to (at most 31 days), soonest first',
      tags: ['trainers'],
      auth: true,
      middleware: [guard.requireAuth()],
      schemas: {
        params,
        query: Joi.object<{ from: Date; to: Date }>({
          from: Joi.date().iso().required(),
          to: Joi.date().iso().required().description('not before from (422 INVALID_RANGE)'),
        }),
        response: Joi.array().items(occurrenceOut),
      },
      handler: async (_ctx, input) => {
        const t = await loadTrainer(em(), input.params.id);
        const { from } = period(input.query);
        const to = new Date(Math.min(input.query.to.getTime(), from.getTime() + 31 * DAY_MS));
        return (await trainerSchedule(em(), t.id, from, to)).map(presentOccurrence);
      },
    }),
    defineRoute({
      method: 'put',
      path: '/occurrences/:id/trainer',
      summary:
        'Give one class on the calendar a trainer (or none): 409 TRAINER_BUSY when they teach another class then, TRAINER_UNAVAILABLE outside their availability',
      tags: ['trainers'],
      auth: true,
      middleware: [guard.requirePermission('trainers.manage', 'records')],
      schemas: { params, body: trainerBody('this class only'), response: occurrenceOut },
      handler: async (ctx, input) => {
        const o = await em().findOne(ClassOccurrence, { id: input.params.id });
        if (!o || !coversBranch(ctx, 'trainers.manage', o.branchId)) throw notFound('Class');
        return presentOccurrence(await assignOccurrence(em(), o, input.body.trainerId));
      },
    }),
    defineRoute({
      method: 'put',
      path: '/classes/:id/trainer',
      summary:
        'Give a recurring class a trainer (or none): the schedule and every class of it still to come, all or nothing (409 TRAINER_BUSY / TRAINER_UNAVAILABLE)',
      tags: ['trainers'],
      auth: true,
      middleware: [guard.requirePermission('trainers.manage', 'records')],
      schemas: { params, body: trainerBody('the schedule and its coming classes'), response: scheduleOut },
      handler: async (ctx, input) => {
        const s = await loadSchedule(em(), input.params.id);
        if (!coversBranch(ctx, 'trainers.manage', s.branchId)) throw notFound('Class');
        const { schedule } = await assignSchedule(em(), s, input.body.trainerId);
        return presentSchedule(schedule);
      },
    }),
  ];
}
