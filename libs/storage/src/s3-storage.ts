import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { StorageConfig } from '@chat/config';
import { assertByteRange, assertObjectKey } from './object-key';
import { type ByteRange, ObjectNotFoundError, type ObjectStorage } from './object-storage';

type S3StorageConfig = Extract<StorageConfig, { driver: 's3' }>;

/**
 * A store that accepts no connection, or answers nothing on one, fails the request after this long
 * (connect) or this long without a byte either way (idle), instead of holding an upload or a
 * download open. An idle timeout rather than the SDK's `requestTimeout`, which caps a whole request
 * and so would cut off a large upload on a slow but working link.
 */
const CONNECT_TIMEOUT_MS = 5_000;
const IDLE_TIMEOUT_MS = 30_000;
/** A readiness probe answers within this, retries included. */
const CHECK_TIMEOUT_MS = 5_000;

/**
 * Up to this size a file goes up in one PutObject streamed from disk: one request, one open file's
 * buffer in memory. The SDK cannot retry a streamed body (it cannot rewind it), so a failed PUT
 * fails the upload, which the client repeats. Above it (ATTACHMENT_MAX_BYTES raised past the 10 MiB
 * default), a multipart Upload: each part is a buffer the SDK retries by itself, so a failure late
 * in a big file resends one part rather than everything, and PutObject's 5 GiB ceiling does not
 * apply. It holds PART_SIZE × PART_QUEUE bytes in memory per upload, and aborts the multipart upload
 * when it fails (a process killed mid-upload leaves parts behind: give the bucket a lifecycle rule
 * that aborts incomplete multipart uploads).
 */
const MULTIPART_THRESHOLD = 16 * 1024 * 1024;
const PART_SIZE = 8 * 1024 * 1024;
const PART_QUEUE = 2;

/** DeleteObjects takes at most this many keys a call. */
const DELETE_BATCH = 1000;

/** Objects in one bucket of AWS S3 or an S3-compatible store (MinIO, Ceph, R2, …). */
export class S3ObjectStorage implements ObjectStorage {
  readonly driver = 's3';
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly presigned: boolean;

  constructor(config: S3StorageConfig) {
    this.bucket = config.bucket;
    this.presigned = config.presignedUrls;
    this.client = new S3Client({
      region: config.region,
      endpoint: config.endpoint,
      forcePathStyle: config.forcePathStyle,
      credentials: config.credentials,
      // Since early 2025 the SDK adds a CRC32 checksum to every upload, sending a streamed body
      // aws-chunked with the checksum in a trailer. Stores that do not speak that (s3rver, older Ceph
      // and MinIO releases) refuse it or keep the chunk framing as the object's bytes. So checksums
      // only where an operation requires one (DeleteObjects); TLS covers the bytes in transit.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS, socketTimeout: IDLE_TIMEOUT_MS },
    });
  }

  async putFile(key: string, sourcePath: string, meta: { contentType: string }): Promise<void> {
    assertObjectKey(key);
    const { size } = await stat(sourcePath);
    const body = createReadStream(sourcePath);
    const params = { Bucket: this.bucket, Key: key, ContentType: meta.contentType, Body: body };
    try {
      if (size <= MULTIPART_THRESHOLD) await this.client.send(new PutObjectCommand({ ...params, ContentLength: size }));
      else await new Upload({ client: this.client, params, partSize: PART_SIZE, queueSize: PART_QUEUE }).done();
    } finally {
      // A request that failed before reading it to the end leaves the file open otherwise.
      body.destroy();
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    assertObjectKey(key);
    if (range) assertByteRange(range);
    try {
      const { Body } = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: range ? `bytes=${range.start}-${range.end}` : undefined }),
      );
      if (!(Body instanceof Readable)) throw new Error(`GetObject ${key}: the response body is not a Node.js stream`);
      return Body;
    } catch (error) {
      if (!(error instanceof S3ServiceException)) throw error;
      // A missing bucket is a misconfiguration, not a missing object: it must not become a 404.
      if (error.$metadata.httpStatusCode === 404 && error.name !== 'NoSuchBucket') throw new ObjectNotFoundError(key, { cause: error });
      if (error.$metadata.httpStatusCode === 416)
        throw new RangeError(`range ${range?.start}-${range?.end} starts past the end of ${key}`, { cause: error });
      throw error;
    }
  }

  async delete(keys: readonly string[]): Promise<void> {
    keys.forEach(assertObjectKey);
    const unique = [...new Set(keys)];
    for (let from = 0; from < unique.length; from += DELETE_BATCH) {
      const batch = unique.slice(from, from + DELETE_BATCH);
      const { Errors } = await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
      );
      // The call succeeds as a whole and reports each key it could not delete (AccessDenied, …).
      if (Errors?.length) {
        const [first] = Errors;
        throw new Error(`could not delete ${Errors.length} of ${batch.length} objects, ${first.Key}: ${first.Code} ${first.Message}`);
      }
    }
  }

  async presignedGetUrl(
    key: string,
    options: { expiresInSeconds: number; contentType: string; contentDisposition: string },
  ): Promise<string | undefined> {
    assertObjectKey(key);
    if (!this.presigned) return undefined;
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ResponseContentType: options.contentType,
      ResponseContentDisposition: options.contentDisposition,
    });
    return await getSignedUrl(this.client, command, { expiresIn: options.expiresInSeconds });
  }

  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), { abortSignal: AbortSignal.timeout(CHECK_TIMEOUT_MS) });
    } catch (error) {
      const status = error instanceof S3ServiceException ? ` (HTTP ${error.$metadata.httpStatusCode})` : '';
      throw new Error(`bucket ${this.bucket} is not usable: ${(error as Error).name}${status}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  close(): Promise<void> {
    this.client.destroy();
    return Promise.resolve();
  }
}
