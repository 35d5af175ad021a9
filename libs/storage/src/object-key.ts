import type { ByteRange } from './object-storage';

const KEY = /^[A-Za-z0-9][A-Za-z0-9/_.-]{0,255}$/;

/**
 * Throws unless `key` is a relative path of plain segments: no `..` or `.`, no empty segment, no
 * leading `/`. The local driver joins keys to its directory, so this is what keeps a bug (or a key
 * built from a request) inside it; the S3 driver applies the same rule, so both accept the same keys.
 */
export function assertObjectKey(key: string): void {
  if (!KEY.test(key) || key.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw new Error(`invalid object key ${JSON.stringify(key)}`);
  }
}

export function assertByteRange({ start, end }: ByteRange): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new RangeError(`invalid byte range ${start}-${end}`);
  }
}
