import Joi from 'joi';
import type { Context } from 'koa';
import { uuidv7 } from 'uuidv7';
import {
  DOCUMENT_TYPES,
  IMAGE_TYPES,
  storeUploads,
  findPage,
  notFound,
  paginationQuery,
  reply,
  type Route,
  defineRoute,
} from '@faena/platform';
import type { MarketplaceDeps } from '../deps.ts';
import {
  KYC_DOCUMENT_KINDS,
  KYC_STATUSES,
  KycDocument,
  PortfolioImage,
  PortfolioItem,
  Professional,
} from '../domain/entities.ts';
import { professionalStats } from '../domain/jobs.ts';
import {
  addKycDocument,
  createProfile,
  loadProfessional,
  presentProfessional,
  reviewKyc,
  searchProfessionals,
  updateProfile,
  type ProfileInput,
  type SearchQuery,
} from '../domain/professionals.ts';
import { em, id, isKycReviewer, me, slug, tenant } from './common.ts';
import { BASE_PATH } from '../constants.ts';
import { documentOut, portfolioItemOut, professionalOut, searchHitOut, statsOut } from './responses.ts';

const location = Joi.object({
  latitude: Joi.number().min(-90).max(90).required(),
  longitude: Joi.number().min(-180).max(180).required(),
});
const profileFields = {
  displayName: Joi.string().trim().min(2).max(120),
  bio: Joi.string().max(4000).allow(''),
  categories: Joi.array().items(slug).max(10).unique(),
  // Skills are trimmed, so two written differently may be the same: kept once, in order (refusing
  // them would refuse input the document calls valid: it cannot say "unique after trimming").
  skills: Joi.array()
    .items(Joi.string().trim().min(1).max(60))
    .max(30)
    .custom((skills: string[]) => [...new Set(skills)]),
  location,
  radiusMeters: Joi.number().integer().min(100).max(500_000),
};

const presentDocument = (d: KycDocument) => ({
  id: d.id,
  kind: d.kind,
  contentType: d.contentType,
  size: d.size,
  createdAt: d.createdAt.toISOString(),
});

const presentItem = (i: PortfolioItem, images: PortfolioImage[]) => ({
  id: i.id,
  title: i.title,
  description: i.description,
  images: images
    .filter((img) => img.itemId === i.id)
    .sort((a, b) => a.position - b.position)
    .map((img) => ({
      id: img.id,
      contentType: img.contentType,
      size: img.size,
      url: `${BASE_PATH}/professionals/${i.professionalId}/portfolio/${i.id}/images/${img.id}`,
    })),
  createdAt: i.createdAt.toISOString(),
});

/** The text fields of the uploads (read by `storeUploads`, documented as `multipart/form-data`). */
const kycFields = Joi.object({
  kind: Joi.string()
    .valid(...KYC_DOCUMENT_KINDS)
    .required(),
});
const portfolioFields = Joi.object({
  title: Joi.string().trim().min(1).max(120).required(),
  description: Joi.string().max(4000).allow(''),
});

export function professionalRoutes(deps: MarketplaceDeps): Route[] {
  const { guard, storage } = deps;
  const profile = guard.requirePermission('professionals.profile', 'self');
  /** A profile others may see: approved ones; the owner and KYC reviewers see any. */
  const visible = async (ctx: Context, professionalId: string) => {
    const p = await loadProfessional(em(), professionalId);
    if (p.kycStatus !== 'approved' && p.id !== me(ctx) && !isKycReviewer(ctx)) throw notFound('Professional');
    return p;
  };
  const mine = (ctx: Context) => loadProfessional(em(), me(ctx));
  const sendFile = async (key: string) => {
    const file = await storage.get(key);
    if (!file) throw notFound('File');
    return reply(file.body, {
      raw: true,
      headers: {
        'Content-Type': file.contentType,
        'Content-Length': String(file.body.length),
        'Cache-Control': 'private, max-age=300',
        'Content-Disposition': 'inline',
      },
    });
  };

  return [
    defineRoute({
      method: 'post',
      path: '/professionals/me',
      summary: 'Create my professional profile (KYC starts pending)',
      tags: ['professionals'],
      auth: true,
      status: 201,
      middleware: [profile],
      schemas: {
        response: professionalOut,
        body: Joi.object<ProfileInput>({
          ...profileFields,
          displayName: profileFields.displayName.required(),
          location: location.required(),
          radiusMeters: profileFields.radiusMeters.required(),
        }).required(),
      },
      handler: async (ctx, input) => {
        const p = await createProfile(em(), tenant(ctx), me(ctx), input.body);
        return reply(presentProfessional(p), {
          status: 201,
          headers: { Location: `${BASE_PATH}/professionals/${p.id}` },
        });
      },
    }),
    {
      method: 'get',
      path: '/professionals/me',
      summary: 'My professional profile',
      tags: ['professionals'],
      auth: true,
      middleware: [profile],
      schemas: { response: professionalOut },
      handler: async (ctx) => presentProfessional(await mine(ctx)),
    },
    defineRoute({
      method: 'patch',
      path: '/professionals/me',
      summary: 'Change my profile, categories, skills or service area',
      tags: ['professionals'],
      auth: true,
      middleware: [profile],
      schemas: {
        response: professionalOut,
        body: Joi.object<Partial<ProfileInput>>(profileFields).min(1).required(),
      },
      handler: async (ctx, input) => presentProfessional(await updateProfile(em(), me(ctx), input.body)),
    }),
    {
      method: 'get',
      path: '/professionals/me/stats',
      summary: 'My completed jobs, income, rating, reviews, level and XP to the next level',
      tags: ['professionals'],
      auth: true,
      middleware: [profile],
      schemas: { response: statsOut },
      handler: async (ctx) => professionalStats(em(), await mine(ctx)),
    },
    {
      method: 'post',
      path: '/professionals/me/kyc/documents',
      summary:
        'Upload a KYC document (multipart: `kind` + one `file`, JPEG/PNG/WebP/PDF checked by content); a rejected KYC goes back to pending',
      tags: ['kyc'],
      auth: true,
      status: 201,
      middleware: [profile],
      schemas: { response: documentOut, multipart: { fields: kycFields, file: 'file' } },
      handler: async (ctx) => {
        const p = await mine(ctx);
        const { fields, files } = await storeUploads<{ kind: KycDocument['kind'] }>(ctx, storage, {
          ...deps.uploads,
          maxFiles: 1,
          fileField: 'file',
          accept: DOCUMENT_TYPES,
          fields: kycFields,
          missing: 'Attach the document as `file`',
          keyOf: (docId, ext) => `${p.tenantId}/kyc/${p.id}/${docId}.${ext}`,
        });
        const doc = await addKycDocument(em(), p, { kind: fields.kind, file: files[0]! });
        return reply(presentDocument(doc), { status: 201 });
      },
    },
    {
      method: 'get',
      path: '/professionals/me/kyc/documents',
      summary: 'My KYC documents',
      tags: ['kyc'],
      auth: true,
      middleware: [profile],
      schemas: { response: Joi.array().items(documentOut) },
      handler: async (ctx) =>
        (
          await em().find(KycDocument, { professionalId: (await mine(ctx)).id }, { orderBy: { id: 'asc' } })
        ).map(presentDocument),
    },
    {
      method: 'post',
      path: '/professionals/me/portfolio',
      summary:
        'Add a portfolio item (multipart: `title`, `description`, one or more `images`, JPEG/PNG/WebP checked by content)',
      tags: ['portfolio'],
      auth: true,
      status: 201,
      middleware: [profile],
      schemas: {
        response: portfolioItemOut,
        multipart: { fields: portfolioFields, file: 'images', maxFiles: deps.uploads.maxFiles },
      },
      handler: async (ctx) => {
        const p = await mine(ctx);
        const itemId = uuidv7();
        const { fields, files } = await storeUploads<{ title: string; description?: string }>(ctx, storage, {
          ...deps.uploads,
          fileField: 'images',
          accept: IMAGE_TYPES,
          fields: portfolioFields,
          missing: 'Attach at least one image as `images`',
          keyOf: (imageId, ext) => `${p.tenantId}/portfolio/${p.id}/${itemId}/${imageId}.${ext}`,
        });
        const item = em().create(PortfolioItem, {
          id: itemId,
          tenantId: p.tenantId,
          professionalId: p.id,
          title: fields.title,
          description: fields.description ?? '',
        });
        const rows = files.map((f, position) =>
          em().create(PortfolioImage, {
            id: f.id,
            tenantId: p.tenantId,
            itemId,
            position,
            storageKey: f.key,
            contentType: f.contentType,
            size: f.body.length,
          }),
        );
        await em().flush();
        return reply(presentItem(item, rows), { status: 201 });
      },
    },
    defineRoute({
      method: 'delete',
      path: '/professionals/me/portfolio/:itemId',
      summary: 'Remove one of my portfolio items and its images',
      tags: ['portfolio'],
      auth: true,
      status: 204,
      middleware: [profile],
      schemas: { params: Joi.object<{ itemId: string }>({ itemId: id.required() }) },
      handler: async (ctx, input) => {
        const item = await em().findOne(PortfolioItem, {
          id: input.params.itemId,
          professionalId: me(ctx),
        });
        if (!item) throw notFound('Portfolio item');
        const images = await em().find(PortfolioImage, { itemId: item.id });
        em().remove(images);
        em().remove(item);
        await em().flush();
        await Promise.all(images.map((i) => storage.delete(i.storageKey)));
        return reply(null, { status: 204 });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/professionals/search',
      summary:
        'Approved professionals within `radiusMeters` of a point, by category and minimum rating, sorted by distance or rating',
      tags: ['search'],
      auth: true,
      middleware: [guard.requireAuth()],
      schemas: {
        response: Joi.array().items(searchHitOut),
        query: Joi.object<SearchQuery>({
          ...paginationQuery,
          latitude: Joi.number().min(-90).max(90).required(),
          longitude: Joi.number().min(-180).max(180).required(),
          radiusMeters: Joi.number().integer().min(100).max(200_000).default(10_000),
          category: slug,
          minRating: Joi.number().min(0).max(5),
          sort: Joi.string().valid('distance', 'rating').default('distance'),
        }),
      },
      handler: async (ctx, input) => {
        const { items, nextCursor } = await searchProfessionals(em(), tenant(ctx), input.query);
        return reply(items, { meta: { nextCursor } });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/professionals',
      summary: 'Professionals of the business by KYC status (KYC reviewers)',
      tags: ['kyc'],
      auth: true,
      middleware: [guard.requirePermission('kyc.review', 'tenant')],
      schemas: {
        response: Joi.array().items(professionalOut),
        query: Joi.object<{ limit: number; cursor?: string; kycStatus?: Professional['kycStatus'] }>({
          ...paginationQuery,
          kycStatus: Joi.string().valid(...KYC_STATUSES),
        }),
      },
      handler: async (_ctx, input) => {
        const q = input.query;
        const { items, meta } = await findPage(
          em(),
          Professional,
          q.kycStatus ? { kycStatus: q.kycStatus } : {},
          q,
        );
        return reply(items.map(presentProfessional), { meta });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/professionals/:id',
      summary: "A professional's public profile (approved ones; the owner and KYC reviewers see any)",
      tags: ['professionals'],
      auth: true,
      middleware: [guard.requireAuth()],
      schemas: { response: professionalOut, params: Joi.object<{ id: string }>({ id: id.required() }) },
      handler: async (ctx, input) => presentProfessional(await visible(ctx, input.params.id)),
    }),
    defineRoute({
      method: 'post',
      path: '/professionals/:id/kyc/decision',
      summary: 'Approve or reject a professional’s KYC (operators); a rejection needs a note',
      tags: ['kyc'],
      auth: true,
      middleware: [guard.requirePermission('kyc.review', 'tenant')],
      schemas: {
        response: professionalOut,
        params: Joi.object<{ id: string }>({ id: id.required() }),
        body: Joi.object<{ status: 'approved' | 'rejected'; note?: string }>({
          status: Joi.string().valid('approved', 'rejected').required(),
          note: Joi.string().trim().max(500),
        }).required(),
      },
      handler: async (ctx, input) =>
        presentProfessional(await reviewKyc(em(), input.params.id, me(ctx), input.body)),
    }),
    defineRoute({
      method: 'get',
      path: '/professionals/:id/kyc/documents',
      summary: "A professional's KYC documents (KYC reviewers, or the professional)",
      tags: ['kyc'],
      auth: true,
      middleware: [guard.requireAuth()],
      schemas: {
        response: Joi.array().items(documentOut),
        params: Joi.object<{ id: string }>({ id: id.required() }),
      },
      handler: async (ctx, input) => {
        const pid = input.params.id;
        if (pid !== me(ctx) && !isKycReviewer(ctx)) throw notFound('Professional');
        await loadProfessional(em(), pid);
        return (await em().find(KycDocument, { professionalId: pid }, { orderBy: { id: 'asc' } })).map(
          presentDocument,
        );
      },
    }),
    defineRoute({
      method: 'get',
      path: '/professionals/:id/kyc/documents/:documentId/file',
      summary: 'Download a KYC document (KYC reviewers, or the professional)',
      produces: { contentType: [...DOCUMENT_TYPES] },
      tags: ['kyc'],
      auth: true,
      middleware: [guard.requireAuth()],
      schemas: {
        params: Joi.object<{ id: string; documentId: string }>({
          id: id.required(),
          documentId: id.required(),
        }),
      },
      handler: async (ctx, input) => {
        const pid = input.params.id;
        if (pid !== me(ctx) && !isKycReviewer(ctx)) throw notFound('Document');
        const doc = await em().findOne(KycDocument, {
          id: input.params.documentId,
          professionalId: pid,
        });
        if (!doc) throw notFound('Document');
        return sendFile(doc.storageKey);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/professionals/:id/portfolio',
      summary: "A professional's portfolio, newest first",
      tags: ['portfolio'],
      auth: true,
      middleware: [guard.requireAuth()],
      schemas: {
        response: Joi.array().items(portfolioItemOut),
        params: Joi.object<{ id: string }>({ id: id.required() }),
        query: Joi.object<{ limit: number; cursor?: string }>(paginationQuery),
      },
      handler: async (ctx, input) => {
        const p = await visible(ctx, input.params.id);
        const { items, meta } = await findPage(em(), PortfolioItem, { professionalId: p.id }, input.query);
        const images = items.length
          ? await em().find(PortfolioImage, { itemId: { $in: items.map((i) => i.id) } })
          : [];
        return reply(
          items.map((i) => presentItem(i, images)),
          { meta },
        );
      },
    }),
    defineRoute({
      method: 'get',
      path: '/professionals/:id/portfolio/:itemId/images/:imageId',
      summary: 'A portfolio image',
      produces: { contentType: [...IMAGE_TYPES] },
      tags: ['portfolio'],
      auth: true,
      middleware: [guard.requireAuth()],
      schemas: {
        params: Joi.object<{ id: string; itemId: string; imageId: string }>({
          id: id.required(),
          itemId: id.required(),
          imageId: id.required(),
        }),
      },
      handler: async (ctx, input) => {
        const p = await visible(ctx, input.params.id);
        const item = await em().findOne(PortfolioItem, {
          id: input.params.itemId,
          professionalId: p.id,
        });
        const image =
          item && (await em().findOne(PortfolioImage, { id: input.params.imageId, itemId: item.id }));
        if (!image) throw notFound('Image');
        return sendFile(image.storageKey);
      },
    }),
  ];
}
