import type { S3Client } from '@aws-sdk/client-s3';
import type { Storage } from './types.ts';

export interface S3StorageOptions {
  bucket: string;
  region: string;
  /** For S3-compatible stores (MinIO, R2, Spaces); omit for AWS. */
  endpoint?: string;
  /** Path-style URLs (`endpoint/bucket/key`), which MinIO needs. */
  forcePathStyle?: boolean;
  /** Static credentials; omitted, the SDK's default chain (IRSA, instance role, env) applies. */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Prefix of every key in the bucket (e.g. `marketplace/`). */
  prefix?: string;
}

/**
 * An S3-compatible bucket (production). Deliberately thin: one SDK call per operation. The SDK is
 * loaded on first use, so a service that imports the platform but stores nothing never loads it. It
 * is not exercised by the test suite (no S3 endpoint in the local stack); the local adapter stands in
 * for it in tests, and both honour the same `Storage` contract.
 */
export function s3Storage(opts: S3StorageOptions): Storage {
  const sdk = import('@aws-sdk/client-s3');
  let client: S3Client | undefined;
  const s3 = async () => {
    const { S3Client } = await sdk;
    client ??= new S3Client({
      region: opts.region,
      ...(opts.endpoint && { endpoint: opts.endpoint }),
      forcePathStyle: opts.forcePathStyle ?? false,
      ...(opts.accessKeyId &&
        opts.secretAccessKey && {
          credentials: { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey },
        }),
    });
    return client;
  };
  const Key = (key: string) => `${opts.prefix ?? ''}${key}`;
  return {
    async put(key, body, contentType) {
      const { PutObjectCommand } = await sdk;
      await (
        await s3()
      ).send(
        new PutObjectCommand({ Bucket: opts.bucket, Key: Key(key), Body: body, ContentType: contentType }),
      );
    },
    async get(key) {
      const { GetObjectCommand, NoSuchKey } = await sdk;
      try {
        const res = await (await s3()).send(new GetObjectCommand({ Bucket: opts.bucket, Key: Key(key) }));
        const bytes = await res.Body!.transformToByteArray();
        return { body: Buffer.from(bytes), contentType: res.ContentType ?? 'application/octet-stream' };
      } catch (err) {
        if (err instanceof NoSuchKey) return null;
        throw err;
      }
    },
    async delete(key) {
      const { DeleteObjectCommand } = await sdk;
      await (await s3()).send(new DeleteObjectCommand({ Bucket: opts.bucket, Key: Key(key) }));
    },
  };
}
