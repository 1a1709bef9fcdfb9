/**
 * Uploads, one way for every service: the `Storage` interface and its adapters, the settings that
 * choose one (`storageConfigSchema`, `createStorage`), and `storeUploads`, which reads a
 * `multipart/form-data` request with size and count limits (`readMultipart`), checks each file's
 * type by content, re-encodes every image (`images.ts`: metadata stripped, orientation applied,
 * dimensions capped, decompression bombs and polyglots refused) and writes the files under keys the
 * service makes. Moved here from marketplace when gym (trainers' certificates, member photos) needed
 * the same.
 */
import Joi from 'joi';
import { localStorage } from './local.ts';
import { DEFAULT_IMAGE_LIMITS } from './images.ts';
import { s3Storage } from './s3.ts';
import type { Storage } from './types.ts';
import type { UploadLimits } from './uploads.ts';

export type { Storage, StoredObject } from './types.ts';
export { localStorage } from './local.ts';
export { s3Storage, type S3StorageOptions } from './s3.ts';
export * from './uploads.ts';
export { DEFAULT_IMAGE_LIMITS, reencodeImage, type ImageLimits } from './images.ts';

/** Where uploads are stored: a local folder (dev) or an S3-compatible bucket (production). */
export const storageConfigSchema = {
  STORAGE_DRIVER: Joi.string().valid('local', 's3').default('local'),
  STORAGE_DIR: Joi.string().when('STORAGE_DRIVER', {
    is: 'local',
    then: Joi.required(),
    otherwise: Joi.optional(),
  }),
  S3_BUCKET: Joi.when('STORAGE_DRIVER', {
    is: 's3',
    then: Joi.string().required(),
    otherwise: Joi.string().allow('').optional(),
  }),
  S3_REGION: Joi.string().default('us-east-1'),
  S3_ENDPOINT: Joi.string()
    .uri({ scheme: ['http', 'https'] })
    .allow(''),
  S3_FORCE_PATH_STYLE: Joi.boolean().default(false),
  S3_ACCESS_KEY_ID: Joi.string().allow(''),
  S3_SECRET_ACCESS_KEY: Joi.string().allow(''),
  S3_PREFIX: Joi.string().allow('').default(''),
  UPLOAD_MAX_FILE_BYTES: Joi.number()
    .integer()
    .min(1024)
    .max(50 * 1024 * 1024)
    .default(5 * 1024 * 1024),
  UPLOAD_MAX_FILES: Joi.number().integer().min(1).max(20).default(6),
  // Images are decoded and re-encoded: more pixels than this is refused (413) before decoding, and
  // a stored image is at most this many pixels on its longest side (larger ones are scaled down).
  UPLOAD_MAX_IMAGE_PIXELS: Joi.number()
    .integer()
    .min(1_000_000)
    .max(100_000_000)
    .default(DEFAULT_IMAGE_LIMITS.maxImagePixels),
  UPLOAD_MAX_IMAGE_DIMENSION: Joi.number()
    .integer()
    .min(256)
    .max(16_384)
    .default(DEFAULT_IMAGE_LIMITS.maxImageDimension),
};

export interface StorageConfig {
  STORAGE_DRIVER: 'local' | 's3';
  STORAGE_DIR?: string;
  S3_BUCKET?: string;
  S3_REGION: string;
  S3_ENDPOINT?: string;
  S3_FORCE_PATH_STYLE: boolean;
  S3_ACCESS_KEY_ID?: string;
  S3_SECRET_ACCESS_KEY?: string;
  S3_PREFIX: string;
  UPLOAD_MAX_FILE_BYTES: number;
  UPLOAD_MAX_FILES: number;
  UPLOAD_MAX_IMAGE_PIXELS: number;
  UPLOAD_MAX_IMAGE_DIMENSION: number;
}

export function createStorage(config: StorageConfig): Storage {
  if (config.STORAGE_DRIVER === 's3')
    return s3Storage({
      bucket: config.S3_BUCKET!,
      region: config.S3_REGION,
      endpoint: config.S3_ENDPOINT || undefined,
      forcePathStyle: config.S3_FORCE_PATH_STYLE,
      accessKeyId: config.S3_ACCESS_KEY_ID || undefined,
      secretAccessKey: config.S3_SECRET_ACCESS_KEY || undefined,
      prefix: config.S3_PREFIX,
    });
  return localStorage(config.STORAGE_DIR!);
}

/** The upload limits a service's routes store uploads with (`storeUploads`). */
export const uploadLimits = (config: StorageConfig): UploadLimits => ({
  maxFileBytes: config.UPLOAD_MAX_FILE_BYTES,
  maxFiles: config.UPLOAD_MAX_FILES,
  maxImagePixels: config.UPLOAD_MAX_IMAGE_PIXELS,
  maxImageDimension: config.UPLOAD_MAX_IMAGE_DIMENSION,
});
