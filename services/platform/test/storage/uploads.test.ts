import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Joi from 'joi';
import type { Context } from 'koa';
import sharp from 'sharp';
import request from 'supertest';
import {
  DOCUMENT_TYPES,
  DomainError,
  createHttpApp,
  localStorage,
  reply,
  storeUploads,
  type Route,
  type UploadLimits,
} from '../../src/index.ts';
import {
  EXIF_TAG,
  TEST_JPEG,
  TEST_PNG,
  TEST_WEBP,
  captureLogger,
  exifTagsOf,
  jpegWithGps,
  pngBomb,
} from '../../src/testing/index.ts';

/**
 * storeUploads, the one upload path of every service, against a real folder: images decoded and
 * re-encoded (EXIF/GPS gone, orientation applied, dimensions capped, polyglots reduced to pixels,
 * bombs and fakes refused before anything is written), documents stored as sent.
 */
let dir: string;
let app: ReturnType<typeof request>;
const limits: UploadLimits = {
  maxFileBytes: 1024 * 1024,
  maxFiles: 3,
  maxImagePixels: 40_000_000,
  maxImageDimension: 256,
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'faena-uploads-'));
  const storage = localStorage(dir);
  const routes: Route[] = [
    {
      method: 'post',
      path: '/files',
      summary: 'Store uploads',
      status: 201,
      schemas: {
        multipart: { fields: Joi.object({ note: Joi.string().max(20) }), file: 'files', maxFiles: 3 },
      },
      handler: async (ctx: Context) => {
        const { files } = await storeUploads<{ note?: string }>(ctx, storage, {
          ...limits,
          fileField: 'files',
          accept: DOCUMENT_TYPES,
          fields: Joi.object({ note: Joi.string().max(20) }),
          missing: 'Attach a file as `files`',
          keyOf: (id, ext) => `t/${id}.${ext}`,
          check: (f) => {
            if (f.note === 'refuse')
              throw new DomainError('VALIDATION_FAILED', 'refused by check', { field: 'body.note' });
          },
        });
        return reply(
          files.map((f) => ({ key: f.key, contentType: f.contentType, size: f.body.length })),
          { status: 201 },
        );
      },
    },
  ];
  app = request(
    createHttpApp({
      service: 'platform-test',
      basePath: '/api/test/v1',
      routes,
      logger: captureLogger('platform-test').logger,
      checkResponses: false,
    }).app.callback(),
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const upload = (file: Buffer, filename: string, note?: string) => {
  const req = app.post('/api/test/v1/files');
  if (note) void req.field('note', note);
  return req.attach('files', file, { filename, contentType: 'application/octet-stream' });
};
const stored = async (key: string) => (await localStorage(dir).get(key))!;
const storedKeys = async () =>
  (await readdir(path.join(dir, 't')).catch(() => [])).filter((f) => !f.endsWith('.type'));

describe('storeUploads re-encodes images', () => {
  it('a phone JPEG comes back without its EXIF (GPS, make, orientation) and turned the way it is shown', async () => {
    const phone = await jpegWithGps(40, 20);
    expect(exifTagsOf(phone)).toEqual(expect.arrayContaining([EXIF_TAG.gpsInfo, EXIF_TAG.orientation]));
    expect((await sharp(phone).metadata()).orientation).toBe(6);

    const res = await upload(phone, 'IMG_0001.jpg');
    expect(res.status).toBe(201);
    const [file] = res.body.data as Array<{ key: string; contentType: string }>;
    expect(file!.contentType).toBe('image/jpeg');
    const body = (await stored(file!.key)).body;
    expect(exifTagsOf(body)).toEqual([]);
    expect(body.includes(Buffer.from('Exif\0\0', 'latin1'))).toBe(false);
    expect(body.includes(Buffer.from('FaenaPhone'))).toBe(false);
    const meta = await sharp(body).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 20, height: 40 });
    expect(meta.orientation).toBeUndefined();
    expect(meta.exif).toBeUndefined();
  });

  it('caps the longest side, keeping the aspect; small images keep their size; each keeps its format', async () => {
    const wide = await sharp({ create: { width: 1000, height: 100, channels: 3, background: '#00aa00' } })
      .png()
      .toBuffer();
    const res = await app
      .post('/api/test/v1/files')
      .attach('files', wide, 'wide.png')
      .attach('files', TEST_WEBP, 'small.webp')
      .attach('files', TEST_JPEG, 'small.jpg');
    expect(res.status).toBe(201);
    const files = res.body.data as Array<{ key: string; contentType: string }>;
    expect(files.map((f) => f.contentType)).toEqual(['image/png', 'image/webp', 'image/jpeg']);
    const metas = await Promise.all(files.map(async (f) => sharp((await stored(f.key)).body).metadata()));
    expect(metas.map((m) => [m.format, m.width, m.height])).toEqual([
      ['png', 256, 26],
      ['webp', 4, 4],
      ['jpeg', 4, 4],
    ]);
  });

  it('a polyglot (an image that is also HTML or a ZIP) is stored as its pixels only', async () => {
    const html = Buffer.from('<html><script>alert(document.cookie)</script></html>');
    const zip = Buffer.from('PK\x03\x04payload.sh', 'latin1');
    const res = await app
      .post('/api/test/v1/files')
      .attach('files', Buffer.concat([TEST_JPEG, html]), 'x.jpg')
      .attach('files', Buffer.concat([TEST_PNG, zip]), 'y.png');
    expect(res.status).toBe(201);
    for (const f of res.body.data as Array<{ key: string }>) {
      const body = (await stored(f.key)).body;
      expect(body.includes(Buffer.from('<script>'))).toBe(false);
      expect(body.includes(Buffer.from('PK\x03\x04', 'latin1'))).toBe(false);
      expect((await sharp(body).metadata()).width).toBe(4);
    }
  });

  it('refuses with 415 a file that claims to be a PNG (its signature) but is not one, and stores nothing', async () => {
    const before = await storedKeys();
    const fake = Buffer.concat([TEST_PNG.subarray(0, 8), Buffer.from('<?php system($_GET["c"]); ?>')]);
    const res = await upload(fake, 'avatar.png');
    expect(res.status).toBe(415);
    expect(res.body.errors[0]).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', field: 'body.files' });
    expect(res.body.errors[0].message).toMatch(/avatar\.png is not a readable png image/);
    const truncated = await upload(TEST_JPEG.subarray(0, TEST_JPEG.length - 40), 'cut.jpg');
    expect(truncated.status).toBe(415);
    expect(await storedKeys()).toEqual(before);
  });

  it('refuses a decompression bomb with 413 from its header, without decoding it', async () => {
    const bomb = pngBomb(10_000, 10_000);
    expect(bomb.length).toBeLessThan(limits.maxFileBytes);
    const before = await storedKeys();
    const rss = process.memoryUsage().rss;
    const res = await upload(bomb, 'bomb.png');
    expect(res.status).toBe(413);
    expect(res.body.errors[0]).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', field: 'body.files' });
    expect(res.body.errors[0].message).toMatch(/10000×10000 pixels; at most 40000000/);
    // Decoded, the bomb is 100 million pixels (≥ 100 MB even as greyscale): it never was.
    expect(process.memoryUsage().rss - rss).toBeLessThan(64 * 1024 * 1024);
    expect(await storedKeys()).toEqual(before);
  });

  it('stores documents (PDF) byte for byte, and runs the fields check before writing anything', async () => {
    const pdf = Buffer.from('%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
    const res = await upload(pdf, 'titulo.pdf');
    expect(res.status).toBe(201);
    const [file] = res.body.data as Array<{ key: string; contentType: string }>;
    expect(file!.contentType).toBe('application/pdf');
    expect(Buffer.compare((await stored(file!.key)).body, pdf)).toBe(0);

    const before = await storedKeys();
    const refused = await upload(TEST_PNG, 'a.png', 'refuse');
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].message).toBe('refused by check');
    expect(await storedKeys()).toEqual(before);
  });
});
