import { readdir } from 'node:fs/promises';
import {
  EXIF_TAG,
  TEST_JPEG,
  TEST_PNG,
  exifTagsOf,
  imageMetadata,
  jpegWithGps,
  pngBomb,
} from '@faena/platform/testing';
import {
  API,
  UPLOAD_TEST_MAX_BYTES,
  bearer,
  clientUser,
  gym,
  member,
  startGym,
  type Gym,
  type GymHarness,
  type User,
} from './harness.ts';

/** Member photos: the platform's one upload path (`storeUploads`), images re-encoded before storage. */
let h: GymHarness;
let g: Gym;
let ana: { user: User; memberId: string };
let bob: { user: User; memberId: string };
let inB: string;

beforeAll(async () => {
  h = await startGym();
  g = await gym(h);
  const linked = async () => {
    const user = await clientUser(h, g);
    return { user, memberId: (await member(h, g.receptionist, g.branchA, { userId: user.id })).id };
  };
  ana = await linked();
  bob = await linked();
  inB = (await member(h, g.owner, g.branchB)).id;
}, 90_000);
afterAll(() => h.close());

const put = (memberId: string, token: string, file: Buffer, name: string) =>
  h.agent.put(`${API}/members/${memberId}/photo`).set(bearer(token)).attach('photo', file, name);
const get = (path: string, token: string) => h.agent.get(`${API}${path}`).set(bearer(token)).buffer(true);
/** The photo files of a member in the test gym's storage folder (gymTestConfig's STORAGE_DIR). */
const storedPhotos = async (memberId: string) =>
  (
    await readdir(`${process.env.TMPDIR ?? '/tmp'}/faena-gym-uploads-${process.pid}`, { recursive: true })
  ).filter((f) => f.includes(memberId) && /photo-[^/]+\.(png|jpg|webp)$/.test(f));

describe('member photos', () => {
  it('staff of the branch and the member set a photo checked by content and get it back', async () => {
    const up = await put(ana.memberId, g.receptionist.token, TEST_PNG, 'ana.png');
    expect([up.status, up.body.data.contentType]).toEqual([200, 'image/png']);
    const got = await get(`/members/${ana.memberId}/photo`, g.trainer.token);
    expect([got.status, got.headers['content-type']]).toEqual([200, 'image/png']);
    expect(up.body.data.size).toBe((got.body as Buffer).length);
    expect(await imageMetadata(got.body as Buffer)).toMatchObject({ format: 'png', width: 4, height: 4 });
    expect(
      (
        await h.agent
          .put(`${API}/members/me/photo`)
          .set(bearer(ana.user.token))
          .attach('photo', TEST_JPEG, 'me.jpg')
      ).status,
    ).toBe(200);
    const own = await get('/members/me/photo', ana.user.token);
    expect([own.status, own.headers['content-type']]).toEqual([200, 'image/jpeg']);
    // The new photo replaced the old file.
    expect(await storedPhotos(ana.memberId)).toHaveLength(1);
    expect((await get('/members/me/photo', bob.user.token)).status).toBe(404);
  });

  it('a phone photo loses its EXIF (GPS position, camera) and is stored upright', async () => {
    const phone = await jpegWithGps(40, 20);
    expect(exifTagsOf(phone)).toEqual(expect.arrayContaining([EXIF_TAG.gpsInfo, EXIF_TAG.orientation]));
    const up = await h.agent
      .put(`${API}/members/me/photo`)
      .set(bearer(bob.user.token))
      .attach('photo', phone, 'IMG_0420.jpg');
    expect(up.status).toBe(200);
    const got = await get(`/members/${bob.memberId}/photo`, g.receptionist.token);
    const body = got.body as Buffer;
    expect(exifTagsOf(body)).toEqual([]);
    expect(body.includes(Buffer.from('FaenaPhone'))).toBe(false);
    const meta = await imageMetadata(body);
    expect(meta).toMatchObject({ format: 'jpeg', width: 20, height: 40 });
    expect(meta.exif).toBeUndefined();
    expect(meta.orientation).toBeUndefined();
  });

  it('refuses a fake PNG and a non-image (415), a decompression bomb and a file over the limit (413), keeping the photo', async () => {
    const before = (await get(`/members/${ana.memberId}/photo`, g.receptionist.token)).body as Buffer;
    const fakePng = Buffer.concat([TEST_PNG.subarray(0, 8), Buffer.alloc(300, 7)]);
    const fake = await put(ana.memberId, g.receptionist.token, fakePng, 'photo.png');
    expect([fake.status, fake.body.errors[0].code, fake.body.errors[0].field]).toEqual([
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'body.photo',
    ]);
    const pdf = await put(
      ana.memberId,
      g.receptionist.token,
      Buffer.from('%PDF-1.4 not a photo'),
      'photo.png',
    );
    expect([pdf.status, pdf.body.errors[0].code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const bomb = pngBomb();
    expect(bomb.length).toBeLessThan(UPLOAD_TEST_MAX_BYTES);
    const bombed = await put(ana.memberId, g.receptionist.token, bomb, 'bomb.png');
    expect([bombed.status, bombed.body.errors[0].code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const big = await put(
      ana.memberId,
      g.receptionist.token,
      Buffer.concat([TEST_PNG, Buffer.alloc(UPLOAD_TEST_MAX_BYTES)]),
      'big.png',
    );
    expect(big.status).toBe(413);
    const after = (await get(`/members/${ana.memberId}/photo`, g.receptionist.token)).body as Buffer;
    expect(Buffer.compare(after, before)).toBe(0);
    expect(await storedPhotos(ana.memberId)).toHaveLength(1);
  });

  it('another branch is 404, a role without members.manage 403', async () => {
    expect((await put(inB, g.receptionist.token, TEST_PNG, 'b.png')).status).toBe(404);
    expect((await put(ana.memberId, g.trainer.token, TEST_PNG, 'x.png')).status).toBe(403);
  });
});
