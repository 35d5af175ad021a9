import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Digest, digestOf } from './file-digest';
import { safeFileName } from './file-name';
import { processImage } from './image';
import { type ReceivedFile, receiveFile } from './multipart';
import { isImageType, sniffType } from './sniff';
import { invalidUpload } from './upload-errors';
import { DEFAULT_MAX_PIXELS, type ProcessedFile, type ProcessedUpload, type UploadLimits } from './upload-types';

/**
 * Receives the one file of a multipart/form-data request (field `file`) into a private temp
 * directory and checks it: its type from its bytes; a PNG, JPEG, GIF or WebP decoded, measured,
 * stripped of metadata and given a thumbnail. Never holds the file in memory.
 *
 * Throws AppError: PAYLOAD_TOO_LARGE past `maxBytes` (by Content-Length before reading anything,
 * or as the bytes arrive), VALIDATION_FAILED for anything else the client got wrong. The temp
 * files are gone by then. Other errors (the disk) are the server's.
 *
 * After a refusal the body may be partly unread and nothing more is read from it. Answer with
 * `Connection: close`: Node then closes the connection once the answer is written. Without it
 * the connection stalls until a timeout, or (a body refused before reading began) Node reads
 * all the rest to keep the connection alive. A client still sending when the connection closes
 * may see a reset instead of the answer; a proxy in front with a body limit near `maxBytes`
 * answers the large ones itself.
 */
export async function receiveUpload(request: IncomingMessage, limits: UploadLimits): Promise<ProcessedUpload> {
  const dir = await mkdtemp(join(limits.tmpDir ?? tmpdir(), 'upload-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    const received = await receiveFile(request, limits.maxBytes, join(dir, 'received'));
    if (received.size === 0) throw invalidUpload('The file is empty');
    const checked = await check(received, dir, limits.maxPixels ?? DEFAULT_MAX_PIXELS);
    return { name: safeFileName(received.filename), ...checked, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

async function check(received: ReceivedFile, dir: string, maxPixels: number): Promise<Pick<ProcessedUpload, 'original' | 'image'>> {
  const contentType = await sniffType(received.path);
  if (!isImageType(contentType)) return { original: file(received.path, contentType, received) };
  const image = await processImage(contentType, received.path, dir, maxPixels);
  const original = image.strippedPath
    ? file(image.strippedPath, contentType, await digestOf(image.strippedPath))
    : file(received.path, contentType, received);
  const thumbnail = file(image.thumbnailPath, 'image/webp', await digestOf(image.thumbnailPath));
  return { original, image: { width: image.width, height: image.height, thumbnail } };
}

const file = (path: string, contentType: string, { size, sha256 }: Digest): ProcessedFile => ({ path, contentType, size, sha256 });
