/** What the incident routes answer (the shapes of domain/incidents.ts's presenters). */
import Joi from 'joi';
import { uuid } from '@faena/platform';
import {
  ESCALATION_ROLES,
  INCIDENT_EVENT_TYPES,
  INCIDENT_PRIORITIES,
  INCIDENT_STATUSES,
} from '../domain/incident-entities.ts';

const iso = Joi.string().isoDate();
const nullable = <T extends Joi.Schema>(s: T) => s.allow(null).required();

export const incidentOut = Joi.object({
  id: uuid.required(),
  branchId: uuid.required(),
  title: Joi.string().required(),
  description: Joi.string().allow('').required(),
  priority: Joi.string()
    .valid(...INCIDENT_PRIORITIES)
    .required(),
  status: Joi.string()
    .valid(...INCIDENT_STATUSES)
    .required(),
  reportedBy: uuid.required(),
  reporterMemberId: nullable(uuid),
  assigneeId: nullable(uuid),
  escalation: Joi.object({
    level: Joi.number().integer().min(0).required(),
    role: Joi.string()
      .valid(...ESCALATION_ROLES)
      .required(),
  }).required(),
  slaDueAt: iso.required().description('when the current step’s acknowledgement is due'),
  acknowledgedAt: nullable(iso),
  resolvedAt: nullable(iso),
  resolution: nullable(Joi.string()),
  attachments: Joi.array()
    .items(
      Joi.object({
        id: uuid.required(),
        contentType: Joi.string().required(),
        size: Joi.number().integer().required(),
      }),
    )
    .required(),
  timeline: Joi.array()
    .items(
      Joi.object({
        type: Joi.string()
          .valid(...INCIDENT_EVENT_TYPES)
          .required(),
        data: Joi.object().unknown().required(),
        by: nullable(uuid),
        at: iso.required(),
      }),
    )
    .required(),
  createdAt: iso.required(),
});

export const incidentSettingsOut = Joi.object({
  slaMinutes: Joi.object({
    low: Joi.number().integer().required(),
    medium: Joi.number().integer().required(),
    high: Joi.number().integer().required(),
    urgent: Joi.number().integer().required(),
  }).required(),
  escalation: Joi.array()
    .items(Joi.string().valid(...ESCALATION_ROLES))
    .required(),
});
