/** Members: profile, emergency contact, health notes (apart), identity link, search, soft delete. */
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, containsPattern, findPage, notFound } from '@faena/platform';
import { Member, type EmergencyContact } from './entities.ts';
import { isUniqueViolation } from '@faena/platform';

export interface MemberInput {
  branchId: string;
  userId?: string | null;
  firstName: string;
  lastName: string;
  email?: string | null;
  phone?: string | null;
  document?: string | null;
  birthDate?: string | null;
  emergencyContact?: EmergencyContact | null;
}

export const presentMember = (m: Member) => ({
  id: m.id,
  branchId: m.branchId,
  userId: m.userId ?? null,
  firstName: m.firstName,
  lastName: m.lastName,
  email: m.email ?? null,
  phone: m.phone ?? null,
  document: m.document ?? null,
  birthDate: m.birthDate ?? null,
  emergencyContact: m.emergencyContact ?? null,
  createdAt: m.createdAt.toISOString(),
  updatedAt: m.updatedAt.toISOString(),
});

const linkedElsewhere = () =>
  new DomainError('ALREADY_EXISTS', 'That user is already linked to another member', {
    field: 'body.userId',
  });

/** Saves a member; a user linked to another (live) member is 409 ALREADY_EXISTS. */
async function save(em: EntityManager, m: Member): Promise<Member> {
  try {
    await em.flush();
    return m;
  } catch (err) {
    if (isUniqueViolation(err, 'members_user_unique')) throw linkedElsewhere();
    throw err;
  }
}

export async function createMember(em: EntityManager, input: MemberInput): Promise<Member> {
  const m = em.create(Member, {
    branchId: input.branchId,
    userId: input.userId ?? null,
    firstName: input.firstName,
    lastName: input.lastName,
    email: input.email ?? null,
    phone: input.phone ?? null,
    document: input.document ?? null,
    birthDate: input.birthDate ?? null,
    emergencyContact: input.emergencyContact ?? null,
  });
  return save(em, m);
}

export async function updateMember(
  em: EntityManager,
  m: Member,
  patch: Partial<Omit<MemberInput, 'branchId'>>,
): Promise<Member> {
  for (const [k, v] of Object.entries(patch)) if (v !== undefined) Object.assign(m, { [k]: v });
  return save(em, m);
}

/** Soft delete: hidden from every list and lookup; memberships and bookings stay as history. */
export async function removeMember(em: EntityManager, m: Member): Promise<void> {
  m.deletedAt = new Date();
  await em.flush();
}

/** The member record of an identity user (a member who logs in), or 404. */
export async function memberOfUser(em: EntityManager, userId: string): Promise<Member> {
  const m = await em.findOne(Member, { userId });
  if (!m) throw notFound('Member');
  return m;
}

/** Members matching `q` in name, email or document (as typed: `%` and `_` are text), newest first. */
export function searchMembers(
  em: EntityManager,
  scope: Record<string, unknown>,
  query: { limit: number; cursor?: string; q?: string; branchId?: string },
) {
  const where: Record<string, unknown>[] = [scope];
  if (query.branchId) where.push({ branchId: query.branchId });
  if (query.q) {
    const like = { $ilike: containsPattern(query.q) };
    where.push({
      $or: [{ firstName: like }, { lastName: like }, { email: like }, { document: like }],
    });
  }
  const filter: Record<string, unknown> = { $and: where };
  return findPage(em, Member, filter, query);
}

/** The health notes, loaded apart (a lazy column: never in a member's ordinary answer). */
export async function healthOf(em: EntityManager, m: Member) {
  await em.populate(m, ['healthNotes']);
  return { memberId: m.id, healthNotes: m.healthNotes ?? null };
}

export async function setHealth(em: EntityManager, m: Member, healthNotes: string | null) {
  await em.populate(m, ['healthNotes']);
  m.healthNotes = healthNotes;
  await em.flush();
  return { memberId: m.id, healthNotes: m.healthNotes };
}
