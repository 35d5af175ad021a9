import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { create as contentDisposition } from 'content-disposition';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import {
  type Attachment,
  attachmentObjectKey,
  type AttachmentVariant,
  type ChatMessage,
  isImageType,
  type StoredAttachment,
  type StoredMessage,
} from '@chat/contracts';
import type { ObjectStorage } from '@chat/storage';
import { OBJECT_STORAGE } from './object-storage.provider';

/**
 * A link's expiry is rounded up to this step, so a message read twice within it carries the same
 * links and a browser's cache of the image keeps working.
 */
const EXPIRY_STEP_SECONDS = 300;

/** Thumbnails are always WebP (upload/). */
const THUMBNAIL_CONTENT_TYPE = 'image/webp';

/**
 * The signed, expiring links in `attachments[].url` / `thumbnailUrl`, which work without a token
 * so that `<img src>` and downloads do. A link names the attachment, the variant and its expiry,
 * signed with HMAC-SHA256 under a key derived from JWT_SECRET (no second secret to manage;
 * rotating JWT_SECRET ends every link too). With S3_PRESIGNED_URLS the store's own presigned URLs
 * are handed out instead, and the bytes never pass through a gateway.
 */
@Injectable()
export class AttachmentLinks {
  private readonly key: Buffer;
  private readonly ttlSeconds: number;
  private readonly presigned: boolean;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(OBJECT_STORAGE) private readonly storage: ObjectStorage,
  ) {
    this.key = Buffer.from(hkdfSync('sha256', config.auth.jwtSecret, '', 'chat attachment links', 32));
    this.ttlSeconds = config.attachments.urlTtlSeconds;
    this.presigned = config.storage.driver === 's3' && config.storage.presignedUrls;
  }

  /** The messages as clients see them: every attachment with its links. */
  async present(messages: StoredMessage[]): Promise<ChatMessage[]> {
    // Most pages have no attachment at all: they go out as they are.
    if (messages.every((message) => message.attachments.length === 0)) return messages as ChatMessage[];
    return Promise.all(messages.map((message) => this.presentOne(message)));
  }

  async presentOne(message: StoredMessage): Promise<ChatMessage> {
    if (message.attachments.length === 0) return message as ChatMessage;
    return { ...message, attachments: await this.shown(message.attachments) };
  }

  /** Attachments with their links. */
  shown(attachments: StoredAttachment[]): Promise<Attachment[]> {
    return Promise.all(attachments.map((a) => this.withLinks(a)));
  }

  /** Whether a link's signature is ours and it has not expired. */
  verify(id: string, variant: AttachmentVariant, expires: unknown, sig: unknown, now = Date.now()): boolean {
    if (typeof expires !== 'string' || typeof sig !== 'string' || !/^\d{1,12}$/.test(expires)) return false;
    if (Number(expires) * 1000 <= now) return false;
    const expected = Buffer.from(this.sign(id, variant, Number(expires)));
    const given = Buffer.from(sig);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private async withLinks(attachment: StoredAttachment): Promise<Attachment> {
    const url = await this.link(attachment, 'original');
    if (!isImageType(attachment.contentType)) return { ...attachment, url };
    return { ...attachment, url, thumbnailUrl: await this.link(attachment, 'thumbnail') };
  }

  private async link(attachment: StoredAttachment, variant: AttachmentVariant): Promise<string> {
    if (this.presigned) {
      const url = await this.storage.presignedGetUrl(attachmentObjectKey(attachment.id, variant), {
        expiresInSeconds: this.ttlSeconds,
        contentType: servedContentType(attachment, variant),
        contentDisposition: dispositionOf(attachment, variant),
      });
      if (url) return url;
    }
    const expires = Math.ceil((Date.now() / 1000 + this.ttlSeconds) / EXPIRY_STEP_SECONDS) * EXPIRY_STEP_SECONDS;
    const path = variant === 'thumbnail' ? `/attachments/${attachment.id}/thumbnail` : `/attachments/${attachment.id}`;
    return `${path}?expires=${expires}&sig=${this.sign(attachment.id, variant, expires)}`;
  }

  private sign(id: string, variant: AttachmentVariant, expires: number): string {
    return createHmac('sha256', this.key).update(`${id}:${variant}:${expires}`).digest('base64url');
  }
}

/**
 * Images (and thumbnails) are shown inline; everything else downloads under its name, so no
 * uploaded HTML, SVG or script is ever rendered from this origin.
 */
export function dispositionOf(attachment: Pick<StoredAttachment, 'name' | 'contentType'>, variant: AttachmentVariant): string {
  const inline = variant === 'thumbnail' || isImageType(attachment.contentType);
  return contentDisposition(attachment.name, { type: inline ? 'inline' : 'attachment' });
}

/** Images as what they are; anything else as bytes to save, whatever it is. */
export function servedContentType(attachment: Pick<StoredAttachment, 'contentType'>, variant: AttachmentVariant): string {
  if (variant === 'thumbnail') return THUMBNAIL_CONTENT_TYPE;
  return isImageType(attachment.contentType) ? attachment.contentType : 'application/octet-stream';
}
