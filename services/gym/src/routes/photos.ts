import Joi from 'joi';
import type { Context } from 'koa';
import { IMAGE_TYPES, defineRoute, storeUploads, type Route } from '@faena/platform';
import { BASE_PATH } from '../constants.ts';
import type { GymDeps } from '../deps.ts';
import type { Member } from '../domain/entities.ts';
import { memberOfUser } from '../domain/members.ts';
import { photoOf, presentPhoto, setPhoto } from '../domain/photos.ts';
import { em, me, params } from './common.ts';
import { loadMember } from './members.ts';
import { photoOut } from './training-responses.ts';
import { sendStored } from './trainers.ts';

const noFields = Joi.object({});

/**
 * Member photos: `PUT` a JPEG, PNG or WebP (checked by content, within the upload limit, re-encoded
 * by `storeUploads`: no EXIF or GPS position is kept), `GET` it back.
 */
export function photoRoutes(deps: GymDeps): Route[] {
  const { guard, storage } = deps;
  const upload = async (ctx: Context, m: Member, url: string) => {
    const { files } = await storeUploads<Record<string, never>>(ctx, storage, {
      ...deps.uploads,
      maxFiles: 1,
      fileField: 'photo',
      accept: IMAGE_TYPES,
      fields: noFields,
      missing: 'Attach the image as `photo`',
      keyOf: (photoId, ext) => `gym/${m.tenantId}/members/${m.id}/photo-${photoId}.${ext}`,
    });
    return presentPhoto(await setPhoto(em(), storage, m, files[0]!), url);
  };
  const multipart = { fields: noFields, file: 'photo' };
  const produces = { contentType: [...IMAGE_TYPES] };
  return [
    defineRoute({
      method: 'put',
      path: '/members/me/photo',
      summary: 'Set my photo (multipart `photo`: JPEG, PNG or WebP, checked by content)',
      tags: ['members'],
      auth: true,
      middleware: [guard.requirePermission('members.self', 'self')],
      schemas: { response: photoOut, multipart },
      handler: async (ctx) => upload(ctx, await memberOfUser(em(), me(ctx)), `${BASE_PATH}/members/me/photo`),
    }),
    defineRoute({
      method: 'get',
      path: '/members/me/photo',
      summary: 'My photo',
      produces,
      tags: ['members'],
      auth: true,
      middleware: [guard.requirePermission('members.self', 'self')],
      handler: async (ctx) => sendStored(await photoOf(em(), storage, await memberOfUser(em(), me(ctx)))),
    }),
    defineRoute({
      method: 'put',
      path: '/members/:id/photo',
      summary: "Set a member's photo (multipart `photo`: JPEG, PNG or WebP, checked by content)",
      tags: ['members'],
      auth: true,
      middleware: [guard.requirePermission('members.manage', 'records')],
      schemas: { params, response: photoOut, multipart },
      handler: async (ctx, input) => {
        const m = await loadMember(ctx, input.params.id, 'members.manage');
        return upload(ctx, m, `${BASE_PATH}/members/${m.id}/photo`);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/members/:id/photo',
      summary: "A member's photo (staff of their branch)",
      produces,
      tags: ['members'],
      auth: true,
      middleware: [guard.requirePermission('members.read', 'records')],
      schemas: { params },
      handler: async (ctx, input) =>
        sendStored(await photoOf(em(), storage, await loadMember(ctx, input.params.id, 'members.read'))),
    }),
  ];
}
