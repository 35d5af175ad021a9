/** The image types that get width, height and a thumbnail, and are shown inline; anything else downloads. */
export const IMAGE_CONTENT_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const;

/** At most this many attachments on one message. */
export const MAX_ATTACHMENTS_PER_MESSAGE = 10;

/** An attachment as its message stores it: everything a client is shown except the links. */
export interface StoredAttachment {
  /** ULID. */
  id: string;
  /** The uploader's file name, made safe for display. */
  name: string;
  /** From the file's bytes, never from the uploader's claim. */
  contentType: string;
  size: number;
  width?: number;
  height?: number;
}

/** An attachment as clients see it: `url` and, for images, `thumbnailUrl` are signed and expire. */
export interface Attachment extends StoredAttachment {
  url: string;
  thumbnailUrl?: string;
}

export function isImageType(contentType: string): boolean {
  return (IMAGE_CONTENT_TYPES as readonly string[]).includes(contentType);
}

/** What a room list shows for a message: its text, or "📎 name" (and how many more) when it has only attachments. */
export function messagePreview(content: string, attachments: readonly StoredAttachment[] | undefined): string {
  if (content !== '' || !attachments?.length) return content;
  const more = attachments.length > 1 ? ` +${attachments.length - 1}` : '';
  return `📎 ${attachments[0].name}${more}`;
}

/** The file as uploaded (metadata stripped), or the image's thumbnail. */
export type AttachmentVariant = 'original' | 'thumbnail';

/** Where a variant lives in object storage; the gateways write it, the worker removes it. */
export function attachmentObjectKey(id: string, variant: AttachmentVariant): string {
  return `attachments/${id}/${variant}`;
}
