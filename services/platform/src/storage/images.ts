/**
 * Uploaded images are never stored as sent: `reencodeImage` decodes each one with sharp (libvips)
 * and writes a new file of the same format from its pixels alone. That strips every metadata block
 * (EXIF with its GPS position, XMP, IPTC, comments; the colour profile becomes sRGB), applies the
 * EXIF orientation to the pixels, caps the longest side, and leaves nothing of the original bytes,
 * so a polyglot (a JPEG that is also HTML, a ZIP or a script) comes out as a plain image. The
 * dimensions are read from the header before any pixel is decoded: an image of more than
 * `maxImagePixels` (a decompression bomb: a small file that decodes to gigabytes) is refused with
 * 413 without decoding it, and sharp's `limitInputPixels` holds the same limit while decoding; a
 * file whose signature says image but that does not decode is 415. Documents (PDF) are not images
 * and are kept as sent (their type is still checked by content).
 */
import sharp, { type Metadata } from 'sharp';
import { DomainError } from '../http/errors.ts';
import { errorMessage } from '../logger.ts';
import type { DetectedType } from './uploads.ts';

// Every upload is a different image: libvips' operation cache would only hold memory.
sharp.cache(false);

/** The image settings of uploads (`UPLOAD_MAX_IMAGE_PIXELS`, `UPLOAD_MAX_IMAGE_DIMENSION`). */
export interface ImageLimits {
  /** Most pixels (width × height) an uploaded image may have; more is 413 before decoding. */
  maxImagePixels: number;
  /** Longest side of a stored image; larger ones are scaled down to it, keeping the aspect. */
  maxImageDimension: number;
}

export const DEFAULT_IMAGE_LIMITS: ImageLimits = { maxImagePixels: 40_000_000, maxImageDimension: 4096 };

/** The file types `reencodeImage` takes; anything else (PDF) is stored as sent. */
export const isImageType = (t: DetectedType): t is 'image/jpeg' | 'image/png' | 'image/webp' =>
  t === 'image/jpeg' || t === 'image/png' || t === 'image/webp';

const FORMAT = { 'image/jpeg': 'jpeg', 'image/png': 'png', 'image/webp': 'webp' } as const;
/** Longest a decode may take before it is given up as unsupported input. */
const TIMEOUT_SECONDS = 20;

/** The decoder's own words are not the API's: the refusal names the file and the format only. */
const unsupported = (name: string, field: string, format: string) =>
  new DomainError('UNSUPPORTED_MEDIA_TYPE', `${name} is not a readable ${format} image`, { field });

/**
 * The image re-encoded from its pixels in the format its signature named (`type`): metadata gone,
 * orientation applied, at most `maxImageDimension` on its longest side. `name` and `field` only
 * word the refusals (413 `PAYLOAD_TOO_LARGE` past `maxImagePixels`, 415 `UNSUPPORTED_MEDIA_TYPE`
 * for bytes that are not the image they claim to be).
 */
export async function reencodeImage(
  body: Buffer,
  type: 'image/jpeg' | 'image/png' | 'image/webp',
  limits: ImageLimits,
  name: string,
  field: string,
): Promise<Buffer> {
  const options = { limitInputPixels: limits.maxImagePixels, pages: 1 } as const;
  let header: Metadata;
  try {
    // The header only (no pixel is decoded), so its dimensions can be told to the caller.
    header = await sharp(body, { ...options, limitInputPixels: false }).metadata();
  } catch {
    throw unsupported(name, field, FORMAT[type]);
  }
  if (header.format !== FORMAT[type]) throw unsupported(name, field, FORMAT[type]);
  const pixels = header.width * header.height;
  if (pixels > limits.maxImagePixels)
    throw new DomainError(
      'PAYLOAD_TOO_LARGE',
      `${name} is ${header.width}×${header.height} pixels; at most ${limits.maxImagePixels} pixels`,
      { field },
    );
  const image = sharp(body, options)
    .rotate()
    .resize({
      width: limits.maxImageDimension,
      height: limits.maxImageDimension,
      fit: 'inside',
      withoutEnlargement: true,
    })
    .timeout({ seconds: TIMEOUT_SECONDS });
  const encoded =
    type === 'image/jpeg'
      ? image.jpeg({ quality: 85, mozjpeg: true })
      : type === 'image/png'
        ? image.png()
        : image.webp({ quality: 85 });
  try {
    return await encoded.toBuffer();
  } catch (err) {
    if (/pixel limit/i.test(errorMessage(err)))
      throw new DomainError('PAYLOAD_TOO_LARGE', `${name} has more than ${limits.maxImagePixels} pixels`, {
        field,
      });
    throw unsupported(name, field, FORMAT[type]);
  }
}
