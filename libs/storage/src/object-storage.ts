import type { Readable } from 'node:stream';

/** Inclusive offsets, as in an HTTP `Range: bytes=start-end` header. */
export interface ByteRange {
  start: number;
  end: number;
}

/** The key names no object: the caller answers 404, not 500. */
export class ObjectNotFoundError extends Error {
  override readonly name = 'ObjectNotFoundError';

  constructor(
    readonly key: string,
    options?: ErrorOptions,
  ) {
    super(`no object at ${key}`, options);
  }
}

/**
 * Where attachment bytes live: a directory every process shares, or an S3-compatible bucket. Keys
 * are ours (`attachments/<id>/original`) and are checked anyway (object-key.ts), so a bug cannot
 * reach outside the store. Metadata (size, type, name) lives in MySQL, not here.
 */
export interface ObjectStorage {
  readonly driver: 'local' | 's3';
  /** Stores a finished file under `key`, replacing any object there; streams it, never holds it whole in memory. */
  putFile(key: string, sourcePath: string, meta: { contentType: string }): Promise<void>;
  /**
   * The object's bytes, or `range` of them (an end past the last byte stops at the last byte), as a
   * stream the caller must consume or destroy. Rejects with ObjectNotFoundError when there is no
   * object, and with a RangeError when `range` starts past its end.
   */
  read(key: string, range?: ByteRange): Promise<Readable>;
  /** Removes the objects; a key with no object is not an error. */
  delete(keys: readonly string[]): Promise<void>;
  /**
   * A GET URL the store serves itself for `expiresInSeconds`, answering with these Content-Type and
   * Content-Disposition; undefined when the store cannot (local) or is configured not to
   * (`presignedUrls: false`): the caller links to its own download route then.
   */
  presignedGetUrl(
    key: string,
    options: { expiresInSeconds: number; contentType: string; contentDisposition: string },
  ): Promise<string | undefined>;
  /** Throws when the store is unusable (directory not writable, bucket unreachable): for readiness probes. */
  check(): Promise<void>;
  /** Releases connections. */
  close(): Promise<void>;
}
