/** What the reception routes answer (the shapes of domain/reception.ts's presenters). */
import Joi from 'joi';
import { uuid } from '@faena/platform';
import { CHECKIN_METHODS } from '../domain/reception-entities.ts';

const iso = Joi.string().isoDate();
const nullable = <T extends Joi.Schema>(s: T) => s.allow(null).required();

export const checkinCodeOut = Joi.object({
  token: Joi.string().required().description('what the QR code encodes: fc1.<pass>.<expires>.<hmac>'),
  expiresAt: iso.required(),
  svg: Joi.string().required().description('the QR code as an SVG document'),
  png: Joi.string()
    .pattern(/^data:image\/png;base64,/)
    .required()
    .description('the QR code as a PNG data URL'),
});

export const checkInOut = Joi.object({
  id: uuid.required(),
  branchId: uuid.required(),
  memberId: uuid.required(),
  membershipId: uuid.required(),
  method: Joi.string()
    .valid(...CHECKIN_METHODS)
    .required(),
  reason: nullable(Joi.string()),
  checkedInAt: iso.required(),
  checkedOutAt: nullable(iso),
  attendedBookingId: nullable(uuid),
  createdBy: nullable(uuid),
});

export const occupancyOut = Joi.object({
  branchId: uuid.required(),
  occupancy: Joi.number().integer().min(0).required(),
  at: iso.required(),
});
