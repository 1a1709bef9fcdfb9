/**
 * Real images for upload tests: uploads are decoded and re-encoded (storage/images.ts), so a test
 * file must be an image a decoder reads, not a signature followed by filler.
 */
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

/** 4×4 pixels each, written by sharp. */
export const TEST_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAACXBIWXMAAAPoAAAD6AG1e1JrAAAAEElEQVQImWOQqzgBRwzEcQAuchXhdzt7TAAAAABJRU5ErkJggg==',
  'base64',
);
export const TEST_JPEG = Buffer.from(
  '/9j/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8tMC0oMCUoKSj/2wBDAQcHBwoIChMKChMoGhYaKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCj/wAARCAAEAAQDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAb/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFAEBAAAAAAAAAAAAAAAAAAAABv/EABQRAQAAAAAAAAAAAAAAAAAAAAD/2gAMAwEAAhEDEQA/AJwA/BH/2Q==',
  'base64',
);
export const TEST_WEBP = Buffer.from(
  'UklGRjoAAABXRUJQVlA4IC4AAAAQAgCdASoEAAQAAUAmJaACdLoB+AH4AAPIAP7tTd/9QWCsy/ew/+jBcBwPeEAA',
  'base64',
);

/** The EXIF tags this module's tests look for in IFD0. */
export const EXIF_TAG = { orientation: 0x0112, make: 0x010f, gpsInfo: 0x8825 } as const;

/**
 * A `width`×`height` JPEG as a phone writes it: EXIF with the camera make, a GPS position (Buenos
 * Aires) and orientation 6 (the pixels are stored rotated: show them turned 90° clockwise).
 */
export const jpegWithGps = (width = 40, height = 20): Promise<Buffer> =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 40, b: 40 } } })
    .jpeg()
    .withMetadata({ orientation: 6 })
    .withExif({
      IFD0: { Make: 'FaenaPhone' },
      IFD3: {
        GPSLatitudeRef: 'S',
        GPSLatitude: '34/1 36/1 1331/100',
        GPSLongitudeRef: 'W',
        GPSLongitude: '58/1 22/1 5376/100',
      },
    })
    .toBuffer();

/**
 * The tag ids of a JPEG's EXIF IFD0 (empty without EXIF): enough to see a GPS block
 * (`EXIF_TAG.gpsInfo`) or an orientation without an EXIF library.
 */
export function exifTagsOf(jpeg: Buffer): number[] {
  const app1 = jpeg.indexOf(Buffer.from('Exif\0\0', 'latin1'));
  if (app1 < 0) return [];
  const tiff = app1 + 6;
  const le = jpeg.toString('latin1', tiff, tiff + 2) === 'II';
  const u16 = (at: number) => (le ? jpeg.readUInt16LE(at) : jpeg.readUInt16BE(at));
  const u32 = (at: number) => (le ? jpeg.readUInt32LE(at) : jpeg.readUInt32BE(at));
  const ifd0 = tiff + u32(tiff + 4);
  return Array.from({ length: u16(ifd0) }, (_, i) => u16(ifd0 + 2 + i * 12));
}

const pngChunk = (type: string, data: Buffer) => {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
};

/**
 * A decompression bomb: a valid black 1-bit PNG of `width`×`height` pixels whose file is tiny (the
 * default 10,000 × 10,000 is ~12 KB, 100 million pixels: ~300 MB once decoded to RGB).
 */
export function pngBomb(width = 10_000, height = 10_000): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 1; // bit depth
  header[9] = 0; // greyscale
  const rows = Buffer.alloc((1 + Math.ceil(width / 8)) * height); // filter 0, all black
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(rows, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** What a decoder reads in `image`'s header (format, width, height, orientation, EXIF block). */
export const imageMetadata = (image: Buffer) => sharp(image).metadata();
