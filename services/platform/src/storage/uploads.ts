import busboy from 'busboy';
import type Joi from 'joi';
import type { Context } from 'koa';
import { uuidv7 } from 'uuidv7';
import { DomainError, type ErrorItem } from '../http/errors.ts';
import { checkPart } from '../http/validation.ts';
import { errorMessage } from '../logger.ts';
import { DEFAULT_IMAGE_LIMITS, isImageType, reencodeImage, type ImageLimits } from './images.ts';
import type { Storage } from './types.ts';

export interface UploadLimits extends Partial<ImageLimits> {
  /** Largest accepted file, in bytes. */
  maxFileBytes: number;
  /** Most files in one request. */
  maxFiles: number;
}

export interface UploadedFile {
  field: string;
  /** As the client named it: informational only, never trusted for the type. */
  filename: string;
  /** What is stored: an image re-encoded from its pixels (`images.ts`), a document as sent. */
  body: Buffer;
  /** Detected from the content (magic bytes); an image keeps its format when re-encoded. */
  contentType: DetectedType;
}

export type DetectedType = 'image/jpeg' | 'image/png' | 'image/webp' | 'application/pdf';
export const IMAGE_TYPES: readonly DetectedType[] = ['image/jpeg', 'image/png', 'image/webp'];
export const DOCUMENT_TYPES: readonly DetectedType[] = [...IMAGE_TYPES, 'application/pdf'];

const EXTENSION: Record<DetectedType, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'application/pdf': 'pdf',
};
export const extensionOf = (t: DetectedType): string => EXTENSION[t];

const startsWith = (b: Buffer, sig: number[], at = 0) => sig.every((byte, i) => b[at + i] === byte);

/**
 * The file's real type from its first bytes (its signature), whatever its name or the declared
 * Content-Type say: JPEG `FF D8 FF`, PNG `89 50 4E 47 0D 0A 1A 0A`, WebP `RIFF....WEBP`, PDF `%PDF-`.
 */
export function detectType(b: Buffer): DetectedType | null {
  if (startsWith(b, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(b, [0x52, 0x49, 0x46, 0x46]) && startsWith(b, [0x57, 0x45, 0x42, 0x50], 8))
    return 'image/webp';
  if (startsWith(b, [0x25, 0x50, 0x44, 0x46, 0x2d])) return 'application/pdf';
  return null;
}

/**
 * Reads a `multipart/form-data` request with busboy, holding at most `maxFiles` files of at most
 * `maxFileBytes` each in memory (a larger file is refused with 413 as soon as the limit is crossed),
 * checks every file's type by content against `accept`, validates the text fields with `fields`
 * (joi; unknown fields rejected, every problem reported as `body.<field>`), and then re-encodes
 * every image, one at a time (`reencodeImage`: 413 past `maxImagePixels`, 415 when it does not
 * decode). Not exported: routes read uploads only through `storeUploads`, the one upload path.
 */
async function readMultipart<T>(
  ctx: Context,
  opts: UploadLimits & { fields: Joi.ObjectSchema; accept: readonly DetectedType[]; fileField: string },
): Promise<{ fields: T; files: UploadedFile[] }> {
  if (!ctx.is('multipart/form-data'))
    throw new DomainError('UNSUPPORTED_MEDIA_TYPE', 'Send the upload as multipart/form-data');
  const raw: Record<string, string> = {};
  const files: UploadedFile[] = [];
  const errors: ErrorItem[] = [];
  await new Promise<void>((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: ctx.req.headers,
        limits: {
          fileSize: opts.maxFileBytes,
          files: opts.maxFiles,
          fields: 20,
          fieldSize: 10_000,
          parts: opts.maxFiles + 20,
        },
      });
    } catch (err) {
      reject(new DomainError('VALIDATION_FAILED', `Malformed multipart body: ${errorMessage(err)}`));
      return;
    }
    let failed: DomainError | undefined;
    const fail = (e: DomainError) => {
      if (failed) return;
      failed = e;
      ctx.req.unpipe(bb);
      ctx.req.resume(); // drain the rest so the client receives the answer
      reject(e);
    };
    bb.on('field', (name, value) => {
      raw[name] = value;
    });
    bb.on('file', (name, stream, info) => {
      if (name !== opts.fileField) {
        stream.resume();
        errors.push({
          code: 'VALIDATION_FAILED',
          message: `Unexpected file field ${name}`,
          field: `body.${name}`,
        });
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () =>
        fail(
          new DomainError('PAYLOAD_TOO_LARGE', `${info.filename} is larger than ${opts.maxFileBytes} bytes`, {
            field: `body.${name}`,
          }),
        ),
      );
      stream.on('end', () => {
        if (failed) return;
        const body = Buffer.concat(chunks);
        const type = detectType(body);
        if (!type || !opts.accept.includes(type)) {
          errors.push({
            code: 'UNSUPPORTED_MEDIA_TYPE',
            message: `${info.filename} is not one of ${opts.accept.join(', ')} (checked by content)`,
            field: `body.${name}`,
          });
          return;
        }
        files.push({ field: name, filename: info.filename ?? '', body, contentType: type });
      });
    });
    // A count the document states (maxItems): a 400 like any other schema limit, not a size.
    bb.on('filesLimit', () =>
      fail(
        new DomainError('VALIDATION_FAILED', `At most ${opts.maxFiles} files per request`, {
          field: `body.${opts.fileField}`,
        }),
      ),
    );
    bb.on('partsLimit', () => fail(new DomainError('PAYLOAD_TOO_LARGE', 'Too many parts')));
    bb.on('error', (err: Error) =>
      fail(new DomainError('VALIDATION_FAILED', `Malformed multipart body: ${err.message}`)),
    );
    bb.on('close', () => {
      if (!failed) resolve();
    });
    ctx.req.pipe(bb);
  });
  const unsupported = errors.filter((e) => e.code === 'UNSUPPORTED_MEDIA_TYPE');
  if (unsupported.length)
    throw new DomainError('UNSUPPORTED_MEDIA_TYPE', unsupported[0]!.message, { items: unsupported });
  const checked = checkPart<T>(opts.fields, raw, 'body');
  if (!checked.ok) errors.push(...checked.items);
  if (errors.length || !checked.ok)
    throw new DomainError('VALIDATION_FAILED', 'Request validation failed', { items: errors });
  const images: ImageLimits = {
    maxImagePixels: opts.maxImagePixels ?? DEFAULT_IMAGE_LIMITS.maxImagePixels,
    maxImageDimension: opts.maxImageDimension ?? DEFAULT_IMAGE_LIMITS.maxImageDimension,
  };
  for (const f of files)
    if (isImageType(f.contentType))
      f.body = await reencodeImage(f.body, f.contentType, images, f.filename, `body.${f.field}`);
  return { fields: checked.value, files };
}

/** A file `storeUploads` wrote: its new id and the key it lives under. */
export interface StoredUpload extends UploadedFile {
  id: string;
  key: string;
}

/**
 * An upload route's one shape: reads the request with `readMultipart` (same limits, content
 * checks, images re-encoded, 413/415), asks for at least one file (`missing` is the 400 message, on
 * `body.<fileField>`), runs `check` on the fields (a rule between fields; it throws), gives each file
 * a fresh id and the key `keyOf(id, extension)` builds — keys are the service's, never the
 * client's — and writes them all to `storage`. Nothing is written when any of it refuses. The caller
 * then saves its rows with the returned ids and keys.
 */
export async function storeUploads<T>(
  ctx: Context,
  storage: Storage,
  opts: UploadLimits & {
    fields: Joi.ObjectSchema;
    accept: readonly DetectedType[];
    fileField: string;
    missing: string;
    keyOf: (id: string, extension: string) => string;
    check?: (fields: T) => void;
  },
): Promise<{ fields: T; files: StoredUpload[] }> {
  const { fields, files } = await readMultipart<T>(ctx, opts);
  if (!files.length)
    throw new DomainError('VALIDATION_FAILED', opts.missing, { field: `body.${opts.fileField}` });
  opts.check?.(fields);
  const stored = files.map((f) => {
    const id = uuidv7();
    return { ...f, id, key: opts.keyOf(id, extensionOf(f.contentType)) };
  });
  await Promise.all(stored.map((f) => storage.put(f.key, f.body, f.contentType)));
  return { fields, files: stored };
}
