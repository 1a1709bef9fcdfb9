import { readdir } from 'node:fs/promises';
import { EXIF_TAG, exifTagsOf, imageMetadata, jpegWithGps, pngBomb } from '@faena/platform/testing';
import { searchSql } from '../src/domain/professionals.ts';
import {
  API,
  JPEG,
  MAX_FILE_BYTES,
  PDF,
  PNG,
  SANTIAGO,
  WEBP,
  bearer,
  business,
  professional,
  sql,
  startMarketplace,
  type Business,
  type MarketplaceHarness,
} from './harness.ts';

let h: MarketplaceHarness;
let b: Business;
beforeAll(async () => {
  h = await startMarketplace();
  b = await business(h);
}, 90000);
afterAll(() => h.close());

const binary = (res: { body: unknown }) => res.body as Buffer;
/** Collects a binary response body (supertest only buffers text and JSON by itself). */
const parseBuffer = ((res: NodeJS.ReadableStream, cb: (err: Error | null, body: unknown) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
}) as unknown as (res: unknown, cb: (err: Error | null, body: unknown) => void) => void;

describe('profile and KYC', () => {
  it('creates one profile per user, validates it, and hides it from others until KYC is approved', async () => {
    const p = await professional(h, b, b.pro, { approve: false });
    expect(p).toMatchObject({ id: b.pro.id });
    const again = await h.agent
      .post(`${API}/professionals/me`)
      .set(bearer(b.pro.token))
      .send({ displayName: 'Dup', location: SANTIAGO, radiusMeters: 1000 });
    expect(again.status).toBe(409);
    expect(again.body.errors[0].code).toBe('ALREADY_EXISTS');
    const bad = await h.agent
      .post(`${API}/professionals/me`)
      .set(bearer(b.pro2.token))
      .send({
        displayName: 'X',
        location: { latitude: 100, longitude: 0 },
        radiusMeters: 5,
        categories: ['Not A Slug'],
      });
    expect(bad.status).toBe(400);
    expect((bad.body.errors as Array<{ field: string }>).map((e) => e.field).sort()).toEqual(
      ['body.categories.0', 'body.displayName', 'body.location.latitude', 'body.radiusMeters'].sort(),
    );
    // A client cannot keep a professional profile.
    expect((await h.agent.post(`${API}/professionals/me`).set(bearer(b.client.token)).send({})).status).toBe(
      403,
    );

    expect((await h.agent.get(`${API}/professionals/${b.pro.id}`).set(bearer(b.client.token))).status).toBe(
      404,
    );
    const own = await h.agent.get(`${API}/professionals/me`).set(bearer(b.pro.token));
    expect(own.body.data.kyc.status).toBe('pending');

    // Skills written twice (differently spaced) are kept once.
    const patched = await h.agent
      .patch(`${API}/professionals/me`)
      .set(bearer(b.pro.token))
      .send({ skills: ['calefont', ' calefont\u00a0', 'gas'], radiusMeters: 20000 });
    expect(patched.body.data).toMatchObject({ skills: ['calefont', 'gas'], radiusMeters: 20000 });
  });

  it('uploads KYC documents checked by content, not by name; an operator approves or rejects', async () => {
    const nb = await business(h);
    await professional(h, nb, nb.pro, { approve: false });
    const upload = (file: Buffer, filename: string, kind = 'id_front') =>
      h.agent
        .post(`${API}/professionals/me/kyc/documents`)
        .set(bearer(nb.pro.token))
        .field('kind', kind)
        .attach('file', file, { filename, contentType: 'image/png' });

    // A PDF named .png is stored as a PDF; a text file named .png is refused.
    const pdf = await upload(PDF, 'cedula.png');
    expect(pdf.status).toBe(201);
    expect(pdf.body.data).toMatchObject({
      kind: 'id_front',
      contentType: 'application/pdf',
      size: PDF.length,
    });
    const fake = await upload(Buffer.from('just text, not an image'), 'photo.png');
    expect(fake.status).toBe(415);
    expect(fake.body.errors[0]).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', field: 'body.file' });
    const tooBig = await upload(Buffer.concat([PNG, Buffer.alloc(MAX_FILE_BYTES)]), 'big.png');
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.errors[0].code).toBe('PAYLOAD_TOO_LARGE');
    const badKind = await upload(PNG, 'a.png', 'passport-ish');
    expect(badKind.status).toBe(400);
    expect(badKind.body.errors[0].field).toBe('body.kind');
    const json = await h.agent
      .post(`${API}/professionals/me/kyc/documents`)
      .set(bearer(nb.pro.token))
      .send({ kind: 'id_front' });
    expect(json.status).toBe(415);

    // The operator sees and downloads it, byte for byte; another professional does not.
    const docs = await h.agent
      .get(`${API}/professionals/${nb.pro.id}/kyc/documents`)
      .set(bearer(nb.operator.token));
    expect(docs.body.data).toHaveLength(1);
    const file = await h.agent
      .get(`${API}/professionals/${nb.pro.id}/kyc/documents/${docs.body.data[0].id}/file`)
      .set(bearer(nb.operator.token))
      .buffer(true)
      .parse(parseBuffer);
    expect(file.headers['content-type']).toBe('application/pdf');
    expect(Buffer.compare(binary(file), PDF)).toBe(0);
    expect(
      (await h.agent.get(`${API}/professionals/${nb.pro.id}/kyc/documents`).set(bearer(nb.pro2.token)))
        .status,
    ).toBe(404);

    // Deciding needs kyc.review; a rejection needs a note; a new upload puts it back to pending.
    const decide = (token: string, body: Record<string, unknown>) =>
      h.agent.post(`${API}/professionals/${nb.pro.id}/kyc/decision`).set(bearer(token)).send(body);
    expect((await decide(nb.client.token, { status: 'approved' })).status).toBe(403);
    expect((await decide(nb.operator.token, { status: 'rejected' })).body.errors[0]).toMatchObject({
      code: 'NOTE_REQUIRED',
      field: 'body.note',
    });
    const rejected = await decide(nb.operator.token, { status: 'rejected', note: 'Foto borrosa' });
    expect(rejected.body.data.kyc).toMatchObject({ status: 'rejected', note: 'Foto borrosa' });
    expect((await upload(JPEG, 'cedula.jpg')).status).toBe(201);
    expect(
      (await h.agent.get(`${API}/professionals/me`).set(bearer(nb.pro.token))).body.data.kyc.status,
    ).toBe('pending');
    const pendingList = await h.agent
      .get(`${API}/professionals?kycStatus=pending`)
      .set(bearer(nb.operator.token));
    expect(pendingList.body.data.map((p: { id: string }) => p.id)).toEqual([nb.pro.id]);
    expect((await decide(nb.operator.token, { status: 'approved' })).body.data.kyc.status).toBe('approved');
    expect((await h.agent.get(`${API}/professionals/${nb.pro.id}`).set(bearer(nb.client.token))).status).toBe(
      200,
    );

    // Another tenant's operator: not found.
    expect((await decide(b.operator.token, { status: 'rejected', note: 'x' })).status).toBe(404);
  });
});

describe('the uploads in /openapi.json', () => {
  it('are multipart/form-data with their fields, kinds and file parts', async () => {
    const doc = (await h.agent.get('/openapi.json')).body;
    const kyc = doc.paths['/api/marketplace/v1/professionals/me/kyc/documents'].post.requestBody.content;
    expect(Object.keys(kyc)).toEqual(['multipart/form-data']);
    expect(kyc['multipart/form-data'].schema).toMatchObject({
      properties: {
        kind: { type: 'string', enum: ['id_front', 'id_back', 'selfie', 'certificate', 'other'] },
        file: { type: 'string', format: 'binary' },
      },
      required: ['kind', 'file'],
    });
    const portfolio = doc.paths['/api/marketplace/v1/professionals/me/portfolio'].post.requestBody.content;
    expect(portfolio['multipart/form-data'].schema.properties.images).toMatchObject({
      type: 'array',
      items: { type: 'string', format: 'binary' },
      maxItems: 3,
    });
  });
});

describe('portfolio', () => {
  it('stores several images per item through the storage adapter and serves them back', async () => {
    const nb = await business(h);
    await professional(h, nb, nb.pro);
    const res = await h.agent
      .post(`${API}/professionals/me/portfolio`)
      .set(bearer(nb.pro.token))
      .field('title', 'Baño remodelado')
      .field('description', 'Antes y después')
      .attach('images', PNG, 'a.png')
      .attach('images', WEBP, 'b.bin')
      .attach('images', JPEG, 'c.gif');
    expect(res.status).toBe(201);
    expect(res.body.data.images.map((i: { contentType: string }) => i.contentType)).toEqual([
      'image/png',
      'image/webp',
      'image/jpeg',
    ]);
    const files = await readdir(h.storageDir, { recursive: true });
    expect(files.filter((f) => f.includes(res.body.data.id as string) && !f.endsWith('.type'))).toHaveLength(
      4,
    ); // folder + 3 files

    const img = await h.agent
      .get(res.body.data.images[1].url as string)
      .set(bearer(nb.client.token))
      .buffer(true)
      .parse(parseBuffer);
    expect(img.status).toBe(200);
    expect(img.headers['content-type']).toBe('image/webp');
    // Stored re-encoded from its pixels: the same picture, not the same bytes.
    expect(await imageMetadata(binary(img))).toMatchObject({ format: 'webp', width: 4, height: 4 });

    const list = await h.agent
      .get(`${API}/professionals/${nb.pro.id}/portfolio`)
      .set(bearer(nb.client.token));
    expect(list.body.data).toEqual([
      expect.objectContaining({ id: res.body.data.id, title: 'Baño remodelado' }),
    ]);

    // A PDF is not a portfolio image (415); too many files and no image are 400.
    const pdf = await h.agent
      .post(`${API}/professionals/me/portfolio`)
      .set(bearer(nb.pro.token))
      .field('title', 't')
      .attach('images', PDF, 'x.jpg');
    expect(pdf.status).toBe(415);
    const many = h.agent
      .post(`${API}/professionals/me/portfolio`)
      .set(bearer(nb.pro.token))
      .field('title', 't');
    for (let i = 0; i < 4; i++) void many.attach('images', PNG, `${i}.png`);
    const tooMany = await many;
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors[0]).toMatchObject({ code: 'VALIDATION_FAILED', field: 'body.images' });
    const none = await h.agent
      .post(`${API}/professionals/me/portfolio`)
      .set(bearer(nb.pro.token))
      .field('title', 't');
    expect(none.status).toBe(400);

    // Removing the item removes its files; another tenant cannot see the portfolio.
    expect(
      (await h.agent.get(`${API}/professionals/${nb.pro.id}/portfolio`).set(bearer(b.client.token))).status,
    ).toBe(404);
    expect(
      (
        await h.agent
          .delete(`${API}/professionals/me/portfolio/${res.body.data.id}`)
          .set(bearer(nb.pro.token))
      ).status,
    ).toBe(204);
    expect(
      (await h.agent.get(res.body.data.images[0].url as string).set(bearer(nb.client.token))).status,
    ).toBe(404);
    const left = await readdir(h.storageDir, { recursive: true });
    expect(left.filter((f) => f.includes(res.body.data.id as string) && /\.(png|webp|jpg)$/.test(f))).toEqual(
      [],
    );
  });
});

describe('portfolio images are re-encoded', () => {
  it('a phone photo is served without its EXIF GPS position, turned upright; a fake or a bomb is refused', async () => {
    const nb = await business(h);
    await professional(h, nb, nb.pro);
    const phone = await jpegWithGps(40, 20);
    expect(exifTagsOf(phone)).toContain(EXIF_TAG.gpsInfo);
    const post = (file: Buffer, name: string) =>
      h.agent
        .post(`${API}/professionals/me/portfolio`)
        .set(bearer(nb.pro.token))
        .field('title', 'Cocina')
        .attach('images', file, { filename: name, contentType: 'image/jpeg' });
    const res = await post(phone, 'IMG_2044.jpg');
    expect(res.status).toBe(201);
    const img = await h.agent
      .get(res.body.data.images[0].url as string)
      .set(bearer(nb.client.token))
      .buffer(true)
      .parse(parseBuffer);
    expect(img.status).toBe(200);
    expect(exifTagsOf(binary(img))).toEqual([]);
    expect(binary(img).includes(Buffer.from('FaenaPhone'))).toBe(false);
    const meta = await imageMetadata(binary(img));
    expect(meta).toMatchObject({ format: 'jpeg', width: 20, height: 40 });
    expect(meta.exif).toBeUndefined();
    expect(res.body.data.images[0].size).toBe(binary(img).length);

    const fake = await post(Buffer.concat([PNG.subarray(0, 8), Buffer.alloc(200, 3)]), 'fake.png');
    expect(fake.status).toBe(415);
    expect(fake.body.errors[0]).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', field: 'body.images' });
    const bomb = await post(pngBomb(), 'bomb.png');
    expect(bomb.status).toBe(413);
    expect(bomb.body.errors[0]).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', field: 'body.images' });
    const items = await h.agent
      .get(`${API}/professionals/${nb.pro.id}/portfolio`)
      .set(bearer(nb.client.token));
    expect(items.body.data).toHaveLength(1);
  });
});

describe('search', () => {
  // Around Santiago: Providencia ~5 km, Maipú ~13 km, Valparaíso ~100 km from the centre.
  const PLACES = {
    centro: SANTIAGO,
    providencia: { latitude: -33.4263, longitude: -70.6171 },
    maipu: { latitude: -33.5107, longitude: -70.7579 },
    valparaiso: { latitude: -33.0472, longitude: -71.6127 },
  };
  let nb: Business;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    nb = await business(h);
    const { addUser, roleId } = await import('../../identity/test/harness.ts');
    const proRole = await roleId(h.identity, nb.biz, 'professional');
    for (const [name, location] of Object.entries(PLACES)) {
      const u = await addUser(h.identity, nb.biz, [{ roleId: proRole }]);
      await professional(h, nb, u, {
        location,
        categories: name === 'maipu' ? ['electricity'] : ['plumbing'],
      });
      ids[name] = u.id;
    }
    // Ratings as reviews would leave them.
    await sql(
      h,
      `update marketplace.professionals set rating_count = 2, rating_sum = 9, rating_avg = 4.5 where id = ?`,
      [ids.providencia],
    );
    await sql(
      h,
      `update marketplace.professionals set rating_count = 1, rating_sum = 3, rating_avg = 3 where id = ?`,
      [ids.centro],
    );
    await sql(
      h,
      `update marketplace.professionals set rating_count = 1, rating_sum = 5, rating_avg = 5 where id = ?`,
      [ids.maipu],
    );
    // Not approved: never found.
    await professional(h, nb, nb.pro, { approve: false });
  }, 60000);

  const search = (q: string, token = nb.client.token) =>
    h.agent
      .get(`${API}/professionals/search?latitude=${SANTIAGO.latitude}&longitude=${SANTIAGO.longitude}&${q}`)
      .set(bearer(token));

  it('finds approved professionals within the radius, nearest first, with their distance', async () => {
    const res = await search('radiusMeters=20000');
    expect(res.status).toBe(200);
    expect(res.body.data.map((r: { id: string }) => r.id)).toEqual([ids.centro, ids.providencia, ids.maipu]);
    const d = res.body.data.map((r: { distanceMeters: number }) => r.distanceMeters);
    expect(d[0]).toBeLessThan(1);
    expect(d[1]).toBeGreaterThan(4000);
    expect(d[1]).toBeLessThan(7000);
    expect(d[2]).toBeGreaterThan(10000);
    expect(res.body.data[1].servesLocation).toBe(true); // 15 km service area covers the centre
    expect((await search('radiusMeters=200000')).body.data.map((r: { id: string }) => r.id)).toContain(
      ids.valparaiso,
    );
    expect((await search('radiusMeters=8000')).body.data.map((r: { id: string }) => r.id)).toEqual([
      ids.centro,
      ids.providencia,
    ]);
  });

  it('filters by category and minimum rating, sorts by rating, pages with a cursor', async () => {
    expect(
      (await search('radiusMeters=20000&category=electricity')).body.data.map((r: { id: string }) => r.id),
    ).toEqual([ids.maipu]);
    expect(
      (await search('radiusMeters=20000&minRating=4')).body.data.map((r: { id: string }) => r.id),
    ).toEqual([ids.providencia, ids.maipu]);
    expect(
      (await search('radiusMeters=200000&sort=rating')).body.data.map((r: { id: string }) => r.id),
    ).toEqual([ids.maipu, ids.providencia, ids.centro, ids.valparaiso]);
    for (const sort of ['distance', 'rating']) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await search(
          `radiusMeters=200000&sort=${sort}&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
        );
        seen.push(...page.body.data.map((r: { id: string }) => r.id));
        cursor = page.body.meta.nextCursor as string | null;
      } while (cursor);
      expect(seen).toHaveLength(4);
      expect(new Set(seen).size).toBe(4);
    }
    const bad = await search('radiusMeters=5&sort=price&minRating=9');
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toHaveLength(3);
  });

  it('never shows another tenant’s professionals', async () => {
    expect(
      (await search('radiusMeters=200000', b.client.token)).body.data.map((r: { id: string }) => r.id),
    ).not.toContain(ids.centro);
  });

  it('is served by the GiST index on the location (EXPLAIN)', async () => {
    // A tenant with 5,000 professionals spread over Chile and Argentina, statistics up to date.
    const tenantId = '00000000-0000-7000-8000-00000000e1a1';
    await sql(
      h,
      `insert into marketplace.professionals (id, tenant_id, display_name, latitude, longitude, radius_meters, kyc_status, created_at, updated_at)
        select gen_random_uuid(), ?, 'P' || i, -55 + random() * 38, -75 + random() * 22, 10000, 'approved', now(), now()
        from generate_series(1, 5000) i`,
      [tenantId],
    );
    await sql(h, `analyze marketplace.professionals`);
    const { sql: query, params } = searchSql(tenantId, {
      ...SANTIAGO,
      radiusMeters: 10000,
      sort: 'distance',
      limit: 20,
    });
    const plan = (await sql<{ 'QUERY PLAN': string }>(h, `explain ${query}`, params))
      .map((r) => r['QUERY PLAN'])
      .join('\n');
    expect(plan).toContain('professionals_location_gist');
    expect(plan).not.toMatch(/Seq Scan on professionals/);
  });
});
