import Joi from 'joi';
import type { Context } from 'koa';
import {
  DomainError,
  coversBranch,
  defineRoute,
  findPage,
  notFound,
  paginationQuery,
  reply,
  type Route,
} from '@faena/platform';
import { BASE_PATH } from '../constants.ts';
import type { GymDeps } from '../deps.ts';
import { todayIn } from '../domain/dates.ts';
import { memberOfUser } from '../domain/members.ts';
import {
  assignRoutine,
  cloneTemplate,
  createExercise,
  createTemplate,
  currentVersionOf,
  editTemplate,
  endAssignment,
  listExercises,
  listWorkouts,
  loadAssignment,
  loadExercise,
  loadTemplate,
  logWorkout,
  presentAssignment,
  presentAssignments,
  presentExercise,
  presentTemplate,
  presentVersion,
  presentWorkout,
  presentWorkouts,
  progressOf,
  type AssignInput,
  type ExerciseInput,
  type ExerciseQuery,
  type RoutineContent,
  type WorkoutInput,
} from '../domain/routines.ts';
import { settingsOf } from '../domain/settings.ts';
import {
  EQUIPMENT,
  MUSCLE_GROUPS,
  RoutineAssignment,
  RoutineTemplate,
  RoutineVersion,
  type RoutineAssignment as Assignment,
  type RoutineTemplate as Template,
} from '../domain/training-entities.ts';
import { day, em, id, me, params, tenant, text } from './common.ts';
import { loadMember } from './members.ts';
import {
  assignmentOut,
  exerciseOut,
  progressOut,
  templateOut,
  versionOut,
  workoutOut,
} from './training-responses.ts';

const page = Joi.object<{ limit: number; cursor?: string }>(paginationQuery);
const grams = Joi.number().integer().min(0).max(1_000_000).description('grams (1 kg = 1000)');
const routineContent = Joi.object<RoutineContent>({
  name: text(120).required(),
  description: Joi.string().max(4000).allow(''),
  difficulty: Joi.string().valid('beginner', 'intermediate', 'advanced').required(),
  days: Joi.array()
    .items(
      Joi.object({
        name: text(80).required(),
        exercises: Joi.array()
          .items(
            Joi.object({
              exerciseId: id.required(),
              sets: Joi.number().integer().min(1).max(20).required(),
              reps: Joi.number().integer().min(1).max(200).required(),
              weightGrams: grams.allow(null).default(null),
              restSeconds: Joi.number().integer().min(0).max(1800).default(90),
              tempo: Joi.string()
                .pattern(/^\d{1,2}(-\d{1,2}){0,3}$/)
                .allow(null)
                .default(null)
                .description('e.g. 3-1-1-0 (eccentric, pause, concentric, pause; seconds)'),
              notes: Joi.string().max(500).allow('').default(''),
            }),
          )
          .min(1)
          .max(30)
          .required(),
      }),
    )
    .min(1)
    .max(7)
    .required(),
}).required();
const workoutBody = {
  performedOn: day.required(),
  dayIndex: Joi.number().integer().min(0).max(6).required().description("the routine's day (0-based)"),
  notes: Joi.string().max(2000).allow(''),
  sets: Joi.array()
    .items(
      Joi.object({
        exerciseId: id.required(),
        reps: Joi.number().integer().min(0).max(500).required(),
        weightGrams: grams,
      }),
    )
    .min(1)
    .max(200)
    .required(),
};
const progressQuery = Joi.object<{ exerciseId?: string }>({ exerciseId: id });

export function routineRoutes(deps: GymDeps): Route[] {
  const { guard } = deps;
  const manage = (scope: 'self' | 'records' | 'tenant') => guard.requirePermission('routines.manage', scope);
  const self = guard.requirePermission('members.self', 'self');

  /** A template the caller may change: their own, or any with a tenant-wide routines.manage. */
  const editable = async (ctx: Context, templateId: string): Promise<Template> => {
    const t = await loadTemplate(em(), templateId);
    if (t.createdBy !== me(ctx) && !coversBranch(ctx, 'routines.manage', null))
      throw new DomainError(
        'FORBIDDEN',
        'Only its author (or a tenant-wide routines.manage) changes a template',
      );
    return t;
  };
  const templateAnswer = async (t: Template, v?: RoutineVersion) =>
    presentTemplate(t, v ?? (await currentVersionOf(em(), t)));
  /** An assignment of a member the caller's routines.manage covers; else not found. */
  const assignmentFor = async (ctx: Context, assignmentId: string): Promise<Assignment> => {
    const a = await loadAssignment(em(), assignmentId);
    if (!coversBranch(ctx, 'routines.manage', a.branchId)) throw notFound('Routine');
    return a;
  };
  /** Changing an assignment is its trainer's, or trainers.manage's in its branch. */
  const changeable = async (ctx: Context, assignmentId: string): Promise<Assignment> => {
    const a = await assignmentFor(ctx, assignmentId);
    if (a.trainerId !== me(ctx) && !coversBranch(ctx, 'trainers.manage', a.branchId))
      throw new DomainError(
        'FORBIDDEN',
        "Only the member's trainer (or trainers.manage) changes this routine",
      );
    return a;
  };
  const oneAssignment = async (a: Assignment) =>
    presentAssignment(a, await em().findOneOrFail(RoutineVersion, { id: a.versionId }));
  const logFor = async (ctx: Context, a: Assignment, body: WorkoutInput) => {
    const { log, sets } = await logWorkout(em(), a, body, me(ctx));
    return reply(presentWorkout(log, sets), {
      status: 201,
      headers: { Location: `${BASE_PATH}/workouts/${log.id}` },
    });
  };

  return [
    // --- the exercise catalog
    defineRoute({
      method: 'get',
      path: '/exercises',
      summary:
        "The business's exercise catalog (a starter set of 30 is there from the first use); q finds either name",
      tags: ['routines'],
      auth: true,
      middleware: [guard.requireAuth()],
      schemas: {
        query: Joi.object<ExerciseQuery>({
          ...paginationQuery,
          q: text(100),
          muscleGroup: Joi.string().valid(...MUSCLE_GROUPS),
          equipment: Joi.string().valid(...EQUIPMENT),
          archived: Joi.boolean(),
        }),
        response: Joi.array().items(exerciseOut),
      },
      handler: async (ctx, input) => {
        const { items, meta } = await listExercises(em(), tenant(ctx), input.query);
        return reply(items.map(presentExercise), { meta });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/exercises',
      summary: 'Add an exercise to the catalog',
      tags: ['routines'],
      auth: true,
      status: 201,
      middleware: [manage('self')],
      schemas: {
        body: Joi.object<ExerciseInput>({
          name: text(120).required(),
          nameEs: Joi.string().trim().max(120).allow(''),
          muscleGroups: Joi.array()
            .items(Joi.string().valid(...MUSCLE_GROUPS))
            .min(1)
            .max(6)
            .unique()
            .required(),
          equipment: Joi.string()
            .valid(...EQUIPMENT)
            .required(),
          description: Joi.string().max(4000).allow(''),
        }).required(),
        response: exerciseOut,
      },
      handler: async (_ctx, input) => {
        const e = await createExercise(em(), input.body);
        return reply(presentExercise(e), {
          status: 201,
          headers: { Location: `${BASE_PATH}/exercises/${e.id}` },
        });
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/exercises/:id',
      summary:
        'Rename or archive an exercise (archived: out of the catalog and new routines; history keeps it)',
      tags: ['routines'],
      auth: true,
      middleware: [manage('tenant')],
      schemas: {
        params,
        body: Joi.object<{ name?: string; nameEs?: string; description?: string; archived?: boolean }>({
          name: text(120),
          nameEs: Joi.string().trim().max(120).allow(''),
          description: Joi.string().max(4000).allow(''),
          archived: Joi.boolean(),
        })
          .min(1)
          .required(),
        response: exerciseOut,
      },
      handler: async (ctx, input) => {
        const e = await loadExercise(em(), tenant(ctx), input.params.id);
        for (const [k, v] of Object.entries(input.body)) if (v !== undefined) Object.assign(e, { [k]: v });
        await em().flush();
        return presentExercise(e);
      },
    }),
    // --- routine templates
    defineRoute({
      method: 'post',
      path: '/routine-templates',
      summary:
        'Write a routine template (version 1): days of exercises with sets, reps, weight, rest and tempo',
      tags: ['routines'],
      auth: true,
      status: 201,
      middleware: [manage('self')],
      schemas: { body: routineContent, response: templateOut },
      handler: async (ctx, input) => {
        const { template, version } = await createTemplate(em(), tenant(ctx), input.body);
        return reply(await templateAnswer(template, version), {
          status: 201,
          headers: { Location: `${BASE_PATH}/routine-templates/${template.id}` },
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/routine-templates',
      summary: "The business's routine templates (the trainers' shared library), newest first",
      tags: ['routines'],
      auth: true,
      middleware: [manage('self')],
      schemas: { query: page, response: Joi.array().items(templateOut) },
      handler: async (_ctx, input) => {
        const { items, meta } = await findPage(em(), RoutineTemplate, { archived: false }, input.query);
        const current = items.length
          ? await em().find(RoutineVersion, {
              $or: items.map((t) => ({ templateId: t.id, version: t.currentVersion })),
            })
          : [];
        return reply(
          items.map((t) =>
            presentTemplate(
              t,
              current.find((v) => v.templateId === t.id && v.version === t.currentVersion)!,
            ),
          ),
          { meta },
        );
      },
    }),
    defineRoute({
      method: 'get',
      path: '/routine-templates/:id',
      summary: 'A routine template and its current version',
      tags: ['routines'],
      auth: true,
      middleware: [manage('self')],
      schemas: { params, response: templateOut },
      handler: async (_ctx, input) => templateAnswer(await loadTemplate(em(), input.params.id)),
    }),
    defineRoute({
      method: 'put',
      path: '/routine-templates/:id',
      summary:
        'Edit a template: writes its next version (new assignments get it; routines already assigned keep theirs)',
      tags: ['routines'],
      auth: true,
      middleware: [manage('self')],
      schemas: { params, body: routineContent, response: templateOut },
      handler: async (ctx, input) => {
        const { template, version } = await editTemplate(
          em(),
          await editable(ctx, input.params.id),
          input.body,
        );
        return templateAnswer(template, version);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/routine-templates/:id/versions',
      summary: "A template's versions, newest first",
      tags: ['routines'],
      auth: true,
      middleware: [manage('self')],
      schemas: { params, response: Joi.array().items(versionOut) },
      handler: async (_ctx, input) => {
        const t = await loadTemplate(em(), input.params.id);
        const versions = await em().find(
          RoutineVersion,
          { templateId: t.id },
          { orderBy: { version: 'desc' } },
        );
        return versions.map(presentVersion);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/routine-templates/:id/clone',
      summary: "Copy a template's current version as a new template of the caller's (version 1)",
      tags: ['routines'],
      auth: true,
      status: 201,
      middleware: [manage('self')],
      schemas: {
        params,
        body: Joi.object<{ name?: string }>({ name: text(120) }).required(),
        response: templateOut,
      },
      handler: async (_ctx, input) => {
        const { template, version } = await cloneTemplate(
          em(),
          await loadTemplate(em(), input.params.id),
          input.body.name,
        );
        return reply(await templateAnswer(template, version), {
          status: 201,
          headers: { Location: `${BASE_PATH}/routine-templates/${template.id}` },
        });
      },
    }),
    // --- a member's own (members.self): declared before the /members/:id routes
    defineRoute({
      method: 'get',
      path: '/members/me/routines',
      summary: 'My routines (a member who logs in), newest first',
      tags: ['routines'],
      auth: true,
      middleware: [self],
      schemas: { query: page, response: Joi.array().items(assignmentOut) },
      handler: async (ctx, input) => {
        const m = await memberOfUser(em(), me(ctx));
        const { items, meta } = await findPage(em(), RoutineAssignment, { memberId: m.id }, input.query);
        return reply(await presentAssignments(em(), items), { meta });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/members/me/workouts',
      summary: 'Log a workout of one of my routines (sets done: reps and weight)',
      tags: ['routines'],
      auth: true,
      status: 201,
      middleware: [self],
      schemas: {
        body: Joi.object<WorkoutInput & { assignmentId: string }>({
          assignmentId: id.required(),
          ...workoutBody,
        }).required(),
        response: workoutOut,
      },
      handler: async (ctx, input) => {
        const m = await memberOfUser(em(), me(ctx));
        const a = await em().findOne(RoutineAssignment, { id: input.body.assignmentId, memberId: m.id });
        if (!a)
          throw new DomainError('UNKNOWN_REFERENCE', 'No such routine of yours', {
            field: 'body.assignmentId',
          });
        const { assignmentId: _, ...body } = input.body;
        return logFor(ctx, a, body);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/members/me/workouts',
      summary: 'My workouts, newest first',
      tags: ['routines'],
      auth: true,
      middleware: [self],
      schemas: { query: page, response: Joi.array().items(workoutOut) },
      handler: async (ctx, input) => {
        const m = await memberOfUser(em(), me(ctx));
        const { items, meta } = await listWorkouts(em(), { memberId: m.id }, input.query);
        return reply(await presentWorkouts(em(), items), { meta });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/members/me/progress',
      summary: 'My progress per exercise: best weight, estimated 1RM and volume, day by day',
      tags: ['routines'],
      auth: true,
      middleware: [self],
      schemas: { query: progressQuery, response: Joi.array().items(progressOut) },
      handler: async (ctx, input) =>
        progressOf(em(), await memberOfUser(em(), me(ctx)), input.query.exerciseId),
    }),
    // --- members' routines (staff)
    defineRoute({
      method: 'post',
      path: '/members/:id/routines',
      summary:
        "Assign a template's version (its current one by default) to a member, from startsOn to endsOn (exclusive); the caller is their trainer on it",
      tags: ['routines'],
      auth: true,
      status: 201,
      middleware: [manage('records')],
      schemas: {
        params,
        body: Joi.object<AssignInput>({
          templateId: id.required(),
          version: Joi.number().integer().min(1).max(100_000),
          startsOn: day.required(),
          endsOn: day.allow(null),
        }).required(),
        response: assignmentOut,
      },
      handler: async (ctx, input) => {
        const m = await loadMember(ctx, input.params.id, 'routines.manage');
        const { assignment, version } = await assignRoutine(em(), m, me(ctx), input.body);
        return reply(presentAssignment(assignment, version), {
          status: 201,
          headers: { Location: `${BASE_PATH}/routine-assignments/${assignment.id}` },
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/members/:id/routines',
      summary: "A member's routines, newest first",
      tags: ['routines'],
      auth: true,
      middleware: [manage('records')],
      schemas: { params, query: page, response: Joi.array().items(assignmentOut) },
      handler: async (ctx, input) => {
        const m = await loadMember(ctx, input.params.id, 'routines.manage');
        const { items, meta } = await findPage(em(), RoutineAssignment, { memberId: m.id }, input.query);
        return reply(await presentAssignments(em(), items), { meta });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/members/:id/workouts',
      summary: "A member's workouts, newest first",
      tags: ['routines'],
      auth: true,
      middleware: [manage('records')],
      schemas: { params, query: page, response: Joi.array().items(workoutOut) },
      handler: async (ctx, input) => {
        const m = await loadMember(ctx, input.params.id, 'routines.manage');
        const { items, meta } = await listWorkouts(em(), { memberId: m.id }, input.query);
        return reply(await presentWorkouts(em(), items), { meta });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/members/:id/progress',
      summary: "A member's progress per exercise: best weight, estimated 1RM and volume, day by day",
      tags: ['routines'],
      auth: true,
      middleware: [manage('records')],
      schemas: { params, query: progressQuery, response: Joi.array().items(progressOut) },
      handler: async (ctx, input) =>
        progressOf(em(), await loadMember(ctx, input.params.id, 'routines.manage'), input.query.exerciseId),
    }),
    defineRoute({
      method: 'get',
      path: '/routine-assignments/:id',
      summary: 'One assigned routine, with the version it keeps',
      tags: ['routines'],
      auth: true,
      middleware: [manage('records')],
      schemas: { params, response: assignmentOut },
      handler: async (ctx, input) => oneAssignment(await assignmentFor(ctx, input.params.id)),
    }),
    defineRoute({
      method: 'post',
      path: '/routine-assignments/:id/end',
      summary: "End a member's routine (from endsOn, default today): no workouts after it",
      tags: ['routines'],
      auth: true,
      middleware: [manage('records')],
      schemas: {
        params,
        body: Joi.object<{ endsOn?: string }>({ endsOn: day }).required(),
        response: assignmentOut,
      },
      handler: async (ctx, input) => {
        const a = await changeable(ctx, input.params.id);
        const endsOn = input.body.endsOn ?? todayIn((await settingsOf(em(), tenant(ctx))).timeZone);
        return oneAssignment(await endAssignment(em(), a, endsOn));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/routine-assignments/:id/workouts',
      summary: "Log a member's workout as their trainer (sets done: reps and weight)",
      tags: ['routines'],
      auth: true,
      status: 201,
      middleware: [manage('records')],
      schemas: { params, body: Joi.object<WorkoutInput>(workoutBody).required(), response: workoutOut },
      handler: async (ctx, input) => logFor(ctx, await changeable(ctx, input.params.id), input.body),
    }),
  ];
}
