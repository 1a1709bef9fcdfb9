/**
 * A member's photo: one image (JPEG, PNG or WebP, the type read from its bytes and the image
 * re-encoded by `storeUploads`, within the upload size limit) in storage under a key the service
 * makes; a new upload replaces the old one (row first, then the old file is removed).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { notFound, type Storage, type StoredObject, type StoredUpload } from '@faena/platform';
import type { Member } from './entities.ts';
import { MemberPhoto } from './training-entities.ts';

export const presentPhoto = (p: MemberPhoto, url: string) => ({
  memberId: p.memberId,
  contentType: p.contentType,
  size: p.size,
  url,
  updatedAt: p.updatedAt.toISOString(),
});

export async function setPhoto(
  em: EntityManager,
  storage: Storage,
  m: Member,
  file: StoredUpload,
): Promise<MemberPhoto> {
  const storageKey = file.key;
  const existing = await em.findOne(MemberPhoto, { memberId: m.id });
  const old = existing?.storageKey;
  const photo =
    existing ??
    em.create(MemberPhoto, {
      memberId: m.id,
      tenantId: m.tenantId,
      storageKey,
      contentType: file.contentType,
      size: file.body.length,
    });
  Object.assign(photo, { storageKey, contentType: file.contentType, size: file.body.length });
  await em.flush();
  if (old && old !== storageKey) await storage.delete(old);
  return photo;
}

export async function photoOf(em: EntityManager, storage: Storage, m: Member): Promise<StoredObject> {
  const p = await em.findOne(MemberPhoto, { memberId: m.id });
  const file = p && (await storage.get(p.storageKey));
  if (!file) throw notFound('Photo');
  return file;
}
