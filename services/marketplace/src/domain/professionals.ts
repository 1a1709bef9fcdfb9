import type { EntityManager } from '@mikro-orm/postgresql';
import {
  DomainError,
  decodeCursor,
  encodeCursor,
  notFound,
  numericAfter,
  type StoredUpload,
} from '@faena/platform';
import { KycDocument, Professional, type KycStatus } from './entities.ts';
import { commissionBpsFor, levelFor, progress } from './gamification.ts';

export interface ProfileInput {
  displayName: string;
  bio?: string;
  categories?: string[];
  skills?: string[];
  location: { latitude: number; longitude: number };
  radiusMeters: number;
}

export function presentProfessional(p: Professional) {
  const { level, next } = progress(p.xp);
  return {
    id: p.id,
    displayName: p.displayName,
    bio: p.bio,
    categories: p.categories,
    skills: p.skills,
    // The same names as the profile's input (location, radiusMeters).
    location: { latitude: p.latitude, longitude: p.longitude },
    radiusMeters: p.radiusMeters,
    kyc: {
      status: p.kycStatus,
      note: p.kycNote ?? null,
      reviewedAt: p.kycReviewedAt?.toISOString() ?? null,
    },
    rating: { average: p.ratingAvg, count: p.ratingCount },
    level: { level: level.level, name: level.name, xp: p.xp, nextLevelAt: next?.minXp ?? null },
    completedJobs: p.completedJobs,
    createdAt: p.createdAt.toISOString(),
  };
}

/** Creates the caller's profile (its id is their user id); a second one is 409 ALREADY_EXISTS. */
export async function createProfile(
  em: EntityManager,
  tenantId: string,
  userId: string,
  input: ProfileInput,
): Promise<Professional> {
  if (await em.findOne(Professional, { id: userId }))
    throw new DomainError('ALREADY_EXISTS', 'You already have a professional profile');
  const p = em.create(Professional, {
    id: userId,
    tenantId,
    displayName: input.displayName,
    bio: input.bio ?? '',
    categories: input.categories ?? [],
    skills: input.skills ?? [],
    latitude: input.location.latitude,
    longitude: input.location.longitude,
    radiusMeters: input.radiusMeters,
    kycStatus: 'pending',
    ratingCount: 0,
    ratingSum: 0,
    ratingAvg: 0,
    xp: 0,
    level: 1,
    completedJobs: 0,
  });
  await em.flush();
  return p;
}

export async function updateProfile(
  em: EntityManager,
  userId: string,
  input: Partial<ProfileInput>,
): Promise<Professional> {
  const p = await em.findOneOrFail(Professional, { id: userId });
  if (input.displayName !== undefined) p.displayName = input.displayName;
  if (input.bio !== undefined) p.bio = input.bio;
  if (input.categories !== undefined) p.categories = input.categories;
  if (input.skills !== undefined) p.skills = input.skills;
  if (input.location) {
    p.latitude = input.location.latitude;
    p.longitude = input.location.longitude;
  }
  if (input.radiusMeters !== undefined) p.radiusMeters = input.radiusMeters;
  await em.flush();
  return p;
}

/** An operator's KYC decision. A rejection needs a note; the professional may upload again and be re-reviewed. */
export async function reviewKyc(
  em: EntityManager,
  professionalId: string,
  operatorId: string,
  decision: { status: Exclude<KycStatus, 'pending'>; note?: string },
): Promise<Professional> {
  if (professionalId === operatorId)
    throw new DomainError('OWN_CASE', 'Your own KYC is decided by another operator');
  const p = await em.findOneOrFail(Professional, { id: professionalId });
  if (decision.status === 'rejected' && !decision.note)
    throw new DomainError('NOTE_REQUIRED', 'A rejection needs a note for the professional', {
      field: 'body.note',
    });
  p.kycStatus = decision.status;
  p.kycNote = decision.note ?? null;
  p.kycReviewedBy = operatorId;
  p.kycReviewedAt = new Date();
  await em.flush();
  return p;
}

/**
 * Records a KYC document of `p` that `storeUploads` wrote (its id and key). A rejected KYC goes
 * back to `pending`: the new document is reviewed again.
 */
export async function addKycDocument(
  em: EntityManager,
  p: Professional,
  doc: { kind: KycDocument['kind']; file: StoredUpload },
): Promise<KycDocument> {
  const row = em.create(KycDocument, {
    id: doc.file.id,
    tenantId: p.tenantId,
    professionalId: p.id,
    kind: doc.kind,
    storageKey: doc.file.key,
    contentType: doc.file.contentType,
    size: doc.file.body.length,
  });
  if (p.kycStatus === 'rejected') p.kycStatus = 'pending';
  await em.flush();
  return row;
}

/** The commission a job accepted now would carry: from the professional's current level. */
export const currentCommissionBps = (p: Professional): number => commissionBpsFor(p.level);

export interface SearchQuery {
  latitude: number;
  longitude: number;
  radiusMeters: number;
  category?: string;
  minRating?: number;
  sort: 'distance' | 'rating';
  limit: number;
  cursor?: string;
}

export interface SearchRow {
  id: string;
  displayName: string;
  categories: string[];
  skills: string[];
  ratingAvg: number;
  ratingCount: number;
  xp: number;
  radiusMeters: number;
  distanceMeters: number;
  /** Whether the searched point lies inside the professional's own service area. */
  servesLocation: boolean;
}

/** A search result as the API answers it (`searchHitOut`). */
export interface SearchHit {
  id: string;
  displayName: string;
  categories: string[];
  skills: string[];
  rating: { average: number; count: number };
  level: { level: number; name: string };
  radiusMeters: number;
  distanceMeters: number;
  servesLocation: boolean;
}

/**
 * The search query: approved professionals of the tenant within `radiusMeters` of the point, by
 * category and minimum rating, ordered by distance (then id) or rating (desc, then id), keyset-paged.
 * `ST_DWithin` on the `location` geography is served by the GiST index `professionals_location_gist`.
 */
export function searchSql(tenantId: string, q: SearchQuery): { sql: string; params: unknown[] } {
  const params: unknown[] = [q.longitude, q.latitude, tenantId, q.radiusMeters];
  const where = [`p.tenant_id = ?`, `p.kyc_status = 'approved'`, `ST_DWithin(p.location, here.g, ?)`];
  if (q.category) {
    where.push(`p.categories @> array[?]::text[]`);
    params.push(q.category);
  }
  if (q.minRating !== undefined) {
    where.push(`p.rating_avg >= ?`);
    params.push(q.minRating);
  }
  const cursor = decodeCursor(q.cursor);
  if (cursor && q.sort === 'distance') {
    where.push(`(ST_Distance(p.location, here.g), p.id) > (?::float8, ?::uuid)`);
    params.push(numericAfter(cursor), cursor.id);
  } else if (cursor) {
    where.push(`(p.rating_avg < ?::float8 or (p.rating_avg = ?::float8 and p.id > ?::uuid))`);
    const after = numericAfter(cursor);
    params.push(after, after, cursor.id);
  }
  const order = q.sort === 'distance' ? `"distanceMeters" asc, p.id asc` : `p.rating_avg desc, p.id asc`;
  params.push(q.limit + 1);
  const sql = `select p.id, p.display_name as "displayName", p.categories, p.skills, p.rating_avg as "ratingAvg",
      p.rating_count as "ratingCount", p.xp, p.radius_meters as "radiusMeters",
      ST_Distance(p.location, here.g) as "distanceMeters",
      ST_DWithin(p.location, here.g, p.radius_meters) as "servesLocation"
    from marketplace.professionals p,
      (select ST_SetSRID(ST_MakePoint(?, ?), 4326)::geography as g) here
    where ${where.join(' and ')}
    order by ${order}
    limit ?`;
  return { sql, params };
}

export async function searchProfessionals(
  em: EntityManager,
  tenantId: string,
  q: SearchQuery,
): Promise<{ items: SearchHit[]; nextCursor: string | null }> {
  const { sql, params } = searchSql(tenantId, q);
  const rows = await em.getConnection().execute<SearchRow[]>(sql, params);
  // The names of the profile (rating, level) for the same facts.
  const items = rows.slice(0, q.limit).map((r) => ({
    id: r.id,
    displayName: r.displayName,
    categories: r.categories,
    skills: r.skills,
    rating: { average: Number(r.ratingAvg), count: r.ratingCount },
    level: { level: levelFor(r.xp).level, name: levelFor(r.xp).name },
    radiusMeters: r.radiusMeters,
    distanceMeters: Number(r.distanceMeters),
    servesLocation: r.servesLocation,
  }));
  const last = items[items.length - 1];
  const nextCursor =
    rows.length > q.limit && last
      ? encodeCursor({
          after: q.sort === 'distance' ? last.distanceMeters : last.rating.average,
          id: last.id,
        })
      : null;
  return { items, nextCursor };
}

export async function loadProfessional(em: EntityManager, id: string): Promise<Professional> {
  const p = await em.findOne(Professional, { id });
  if (!p) throw notFound('Professional');
  return p;
}
