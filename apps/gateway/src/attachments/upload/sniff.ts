import { open } from 'node:fs/promises';

/** The types shown inline, hence decoded, checked and stripped of metadata. */
const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const;
export type ImageType = (typeof IMAGE_TYPES)[number];

export const isImageType = (type: string): type is ImageType => (IMAGE_TYPES as readonly string[]).includes(type);

/** How each image type starts; `undefined` stands for any byte (a RIFF chunk's length). */
const SIGNATURES: Record<ImageType, readonly (number | undefined)[]> = {
  'image/png': [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
  'image/jpeg': [0xff, 0xd8, 0xff],
  'image/gif': [0x47, 0x49, 0x46, 0x38],
  'image/webp': [0x52, 0x49, 0x46, 0x46, undefined, undefined, undefined, undefined, 0x57, 0x45, 0x42, 0x50],
};

/**
 * The file's type from its bytes (file-type's magic numbers), application/octet-stream when
 * unknown. file-type checks more than a signature (a PNG's first chunk must be IHDR), so a file
 * that merely starts like one of the images is taken for that image: decoding it then refuses it
 * as corrupt, where passing it on as an unknown file would hide the damage from the sender.
 */
export async function sniffType(path: string): Promise<string> {
  const { fileTypeFromFile } = await import('file-type');
  const detected = await fileTypeFromFile(path);
  return detected?.mime ?? (await imageSignature(path)) ?? 'application/octet-stream';
}

async function imageSignature(path: string): Promise<ImageType | undefined> {
  const file = await open(path);
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(12), 0, 12, 0);
    const head = buffer.subarray(0, bytesRead);
    return IMAGE_TYPES.find((type) => {
      const signature = SIGNATURES[type];
      return head.length >= signature.length && signature.every((byte, i) => byte === undefined || head[i] === byte);
    });
  } finally {
    await file.close();
  }
}
