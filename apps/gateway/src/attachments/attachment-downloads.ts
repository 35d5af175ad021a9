import { Inject, Injectable } from '@nestjs/common';
import rangeParser from 'range-parser';
import { attachmentObjectKey, type AttachmentVariant, ErrorCode } from '@chat/contracts';
import type { ByteRange, ObjectStorage } from '@chat/storage';
import { AuthService, bearerToken } from '../auth';
import { AppError } from '../common/app-error';
import { AttachmentsRepository, type ServedAttachment } from '../repositories/attachments.repository';
import { RoomAccess } from '../rooms';
import { AttachmentLinks, dispositionOf, servedContentType } from './attachment-links';
import { OBJECT_STORAGE } from './object-storage.provider';

/** What the client sent that decides access and which bytes. */
export interface DownloadRequest {
  id: string;
  variant: AttachmentVariant;
  authorization?: string;
  expires?: unknown;
  sig?: unknown;
  range?: string;
  ifNoneMatch?: string;
  ifRange?: string;
}

/** What to answer: a status, its headers, and the bytes (none for 304 and 416). */
export interface Download {
  status: 200 | 206 | 304 | 416;
  headers: Record<string, string>;
  body?: NodeJS.ReadableStream;
}

/**
 * `GET /attachments/:id[/thumbnail]`: a signed link, or a bearer token of someone who may read
 * the message (a member above their invitation floor, or the uploader before sending). Bytes
 * stream from the store with a strong ETag (the content's SHA-256), one byte range at most
 * (several fall back to the whole), `nosniff`, and a sandboxing CSP; only images are inline.
 */
@Injectable()
export class AttachmentDownloads {
  constructor(
    @Inject(OBJECT_STORAGE) private readonly storage: ObjectStorage,
    private readonly attachments: AttachmentsRepository,
    private readonly links: AttachmentLinks,
    private readonly auth: AuthService,
    private readonly access: RoomAccess,
  ) {}

  async download(request: DownloadRequest): Promise<Download> {
    const attachment = await this.attachments.findServed(request.id);
    if (!attachment || (request.variant === 'thumbnail' && !attachment.thumbnail)) {
      throw new AppError(ErrorCode.NotFound, `Attachment ${request.id} does not exist`);
    }
    await this.authorize(attachment, request);
    const variant = request.variant === 'thumbnail' && attachment.thumbnail ? attachment.thumbnail : attachment;
    const size = variant.size;
    const etag = `"${variant.sha256.slice(0, 32)}"`;
    const headers: Record<string, string> = {
      'Content-Type': servedContentType(attachment, request.variant),
      'Content-Disposition': dispositionOf(attachment, request.variant),
      ETag: etag,
      'Accept-Ranges': 'bytes',
      'Cache-Control': 'private, max-age=300',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; sandbox",
      'Cross-Origin-Resource-Policy': 'same-origin',
    };
    if (request.ifNoneMatch && request.ifNoneMatch.split(',').some((tag) => tag.trim() === etag)) return { status: 304, headers };
    const range = request.range && (!request.ifRange || request.ifRange === etag) ? pickRange(size, request.range) : undefined;
    if (range === 'unsatisfiable') return { status: 416, headers: { ...headers, 'Content-Range': `bytes */${size}` } };
    const key = attachmentObjectKey(attachment.id, request.variant);
    if (size === 0) return { status: 200, headers: { ...headers, 'Content-Length': '0' } };
    const body = await this.storage.read(key, range).catch(() => {
      throw new AppError(ErrorCode.NotFound, `Attachment ${request.id} is not in storage`);
    });
    if (!range) return { status: 200, headers: { ...headers, 'Content-Length': String(size) }, body };
    return {
      status: 206,
      headers: {
        ...headers,
        'Content-Length': String(range.end - range.start + 1),
        'Content-Range': `bytes ${range.start}-${range.end}/${size}`,
      },
      body,
    };
  }

  private async authorize(attachment: ServedAttachment, request: DownloadRequest): Promise<void> {
    if (request.sig !== undefined || request.expires !== undefined) {
      if (this.links.verify(attachment.id, request.variant, request.expires, request.sig)) return;
      throw new AppError(ErrorCode.Forbidden, 'This link has expired or is not valid; fetch the message again for a fresh one');
    }
    const caller = await this.auth.verify(bearerToken(request.authorization));
    if (caller.id === attachment.uploaderId) return;
    const { member } = await this.access.require(attachment.roomId, caller, 'read');
    // Only what the reader can see: an upload used by a message above their invitation floor.
    const floor = member?.joinedSeq ?? 0;
    if (!attachment.claimed || (attachment.message && attachment.message.seq <= floor)) {
      throw new AppError(ErrorCode.NotFound, `Attachment ${attachment.id} does not exist`);
    }
  }
}

/** The one range asked for; several ranges are answered with the whole file (RFC 9110 allows it). */
function pickRange(size: number, header: string): ByteRange | 'unsatisfiable' | undefined {
  const ranges = rangeParser(size, header, { combine: true });
  if (ranges === -1) return 'unsatisfiable';
  if (ranges === -2 || ranges.type !== 'bytes' || ranges.length !== 1) return undefined;
  return { start: ranges[0].start, end: ranges[0].end };
}
