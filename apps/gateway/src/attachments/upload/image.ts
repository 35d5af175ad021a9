import { join } from 'node:path';
import sharp, { type Metadata, type SharpOptions } from 'sharp';
import type { ImageType } from './sniff';
import { taskSlots } from './task-slots';
import { invalidUpload } from './upload-errors';

/**
 * Process-wide settings, for every sharp call in the gateway. No operation cache: each upload is
 * decoded once, so the cache would only hold memory. One libvips thread per image (sharp's
 * default on glibc Linux only), and one image at a time per process (imageTurn): an upload takes
 * at most one core and one of libuv's threadpool threads (four by default), leaving the rest to
 * fs, DNS and crypto for every other request.
 */
sharp.cache(false);
sharp.concurrency(1);
const imageTurn = taskSlots(1);

const THUMBNAIL_SIZE = 320;

const NAMES: Record<ImageType, string> = { 'image/png': 'PNG', 'image/jpeg': 'JPEG', 'image/gif': 'GIF', 'image/webp': 'WebP' };

export interface ProcessedImage {
  width: number;
  height: number;
  /** The re-encoded original; undefined when the received bytes carry nothing to strip. */
  strippedPath?: string;
  thumbnailPath: string;
}

/**
 * Checks that the file is a whole, decodable image of `type` within `maxPixels`, and writes its
 * thumbnail and, where it carries metadata, a copy without it, next to it in `dir`. Whatever
 * sharp cannot read is VALIDATION_FAILED.
 */
export function processImage(type: ImageType, path: string, dir: string, maxPixels: number): Promise<ProcessedImage> {
  return imageTurn(async () => {
    try {
      return await checkAndWrite(type, path, dir, maxPixels);
    } catch (error) {
      if (error instanceof Error && /exceeds pixel limit/.test(error.message)) throw tooManyPixels(maxPixels);
      throw invalidUpload(`The file is not a valid ${NAMES[type]} image`);
    }
  });
}

async function checkAndWrite(type: ImageType, path: string, dir: string, maxPixels: number): Promise<ProcessedImage> {
  // The header alone, all frames of an animation together: refused past maxPixels before a
  // pixel is decoded (a decompression bomb).
  const input: SharpOptions = { limitInputPixels: maxPixels, animated: true };
  const metadata = await sharp(path, input).metadata();

  // libvips cannot rotate an animation, so only a still image follows its EXIF orientation; an
  // animation is served without it, hence shown as stored.
  const still = (metadata.pages ?? 1) === 1;
  const thumbnailPath = join(dir, 'thumbnail.webp');
  await sharp(path, { ...input, animated: false, autoOrient: still })
    .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
    .webp()
    .toFile(thumbnailPath);
  const strippedPath = await strip(type, metadata, path, join(dir, 'stripped'), { ...input, autoOrient: still });
  const shown = still ? metadata.autoOrient : { width: metadata.width, height: metadata.pageHeight ?? metadata.height };
  return { width: shown.width, height: shown.height, strippedPath, thumbnailPath };
}

/**
 * Writes the image without EXIF (GPS above all), XMP, IPTC or comments to `to`, keeping its ICC
 * profile (colour, not personal data), or returns undefined when there is nothing to strip.
 */
async function strip(type: ImageType, metadata: Metadata, from: string, to: string, input: SharpOptions): Promise<string | undefined> {
  const image = sharp(from, input).keepIccProfile();
  switch (type) {
    case 'image/jpeg':
      // Always re-encoded: a JPEG without EXIF is rare, and this also applies the orientation.
      await image.jpeg({ mozjpeg: true, quality: 90 }).toFile(to);
      return to;
    case 'image/gif':
      // Always re-encoded, every frame: sharp reports no GIF comment or XMP extension, so there is
      // no telling whether a GIF carries any; the encoder reuses the palette, keeps delays and loop.
      await image.gif().toFile(to);
      return to;
    case 'image/png':
      if (!carriesMetadata(metadata)) return undefined;
      // Lossless, in the same colour space and depth (grey stays grey, 16 bits stay 16); a
      // palette comes out as true colour.
      await image.toColourspace(metadata.space).png().toFile(to);
      return to;
    case 'image/webp':
      if (!carriesMetadata(metadata)) return undefined;
      // Lossless, `exact` keeping even the colour under transparent pixels; a lossy WebP grows.
      await image.webp({ lossless: true, exact: true }).toFile(to);
      return to;
  }
}

const carriesMetadata = (metadata: Metadata): boolean =>
  Boolean(metadata.exif || metadata.xmp || metadata.iptc || metadata.comments?.length);

const tooManyPixels = (maxPixels: number) => invalidUpload(`The image has more than ${maxPixels} pixels (all frames together)`);
