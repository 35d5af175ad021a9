import type { IncomingMessage } from 'node:http';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Counter } from 'prom-client';
import { ulid } from 'ulid';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { attachmentObjectKey, ErrorCode, type StoredAttachment } from '@chat/contracts';
import type { ObjectStorage } from '@chat/storage';
import { AppError } from '../common/app-error';
import { type AttachmentRecord, AttachmentsRepository, storedAttachment } from '../repositories/attachments.repository';
import { RateLimitRepository } from '../repositories/rate-limit.repository';
import { type Caller, isMuted, RoomAccess } from '../rooms';
import { OBJECT_STORAGE } from './object-storage.provider';
import { type ProcessedUpload, receiveUpload } from './upload';

const MIB = 1024 * 1024;

const uploads = new Counter({
  name: 'chat_attachment_uploads_total',
  help: 'Attachment uploads by outcome (stored, or the refusal code)',
  labelNames: ['outcome'] as const,
});
const uploadedBytes = new Counter({ name: 'chat_attachment_uploaded_bytes_total', help: 'Bytes of attachments stored (originals)' });

/**
 * `POST /rooms/:id/attachments`: who may upload (a member who may send there), how much (the
 * per-upload cap, never more than what is left of the uploader's quota, enforced while the bytes
 * stream), how often (per user across replicas), then the bytes into object storage and the row
 * into MySQL. The upload is unused until a send claims it.
 */
@Injectable()
export class AttachmentUploads {
  private readonly logger = new Logger(AttachmentUploads.name);
  private readonly limits: AppConfig['attachments'];

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(OBJECT_STORAGE) private readonly storage: ObjectStorage,
    private readonly access: RoomAccess,
    private readonly attachments: AttachmentsRepository,
    private readonly rateLimits: RateLimitRepository,
  ) {
    this.limits = config.attachments;
  }

  async upload(caller: Caller, roomId: number, request: IncomingMessage): Promise<StoredAttachment> {
    try {
      const stored = await this.receive(caller, roomId, request);
      uploads.inc({ outcome: 'stored' });
      uploadedBytes.inc(stored.size);
      return stored;
    } catch (error) {
      uploads.inc({ outcome: error instanceof AppError ? error.code : 'error' });
      throw error;
    }
  }

  private async receive(caller: Caller, roomId: number, request: IncomingMessage): Promise<StoredAttachment> {
    const { member } = await this.access.require(roomId, caller, 'send');
    if (member && isMuted(member.mutedUntil)) throw new AppError(ErrorCode.Muted, 'You are muted in this room');
    await this.rateLimits.consumeUpload(caller.id);
    const left = this.limits.quotaBytes - (await this.attachments.bytesStoredBy(caller.id));
    if (left <= 0) {
      throw new AppError(ErrorCode.PayloadTooLarge, `Your attachment storage quota (${inMiB(this.limits.quotaBytes)}) is used up`);
    }
    const upload = await receiveUpload(request, { maxBytes: Math.min(this.limits.maxBytes, left) }).catch((error: unknown) => {
      throw quotaAware(error, left < this.limits.maxBytes ? left : undefined);
    });
    try {
      const record = await this.store(caller.id, roomId, upload);
      return storedAttachment(record);
    } finally {
      await upload.cleanup();
    }
  }

  private async store(uploaderId: number, roomId: number, upload: ProcessedUpload): Promise<AttachmentRecord> {
    const id = ulid();
    const { original, image } = upload;
    const keys = [attachmentObjectKey(id, 'original')];
    try {
      await this.storage.putFile(keys[0], original.path, { contentType: original.contentType });
      if (image) {
        keys.push(attachmentObjectKey(id, 'thumbnail'));
        await this.storage.putFile(keys[1], image.thumbnail.path, { contentType: image.thumbnail.contentType });
      }
      const record: AttachmentRecord = {
        id,
        roomId,
        uploaderId,
        name: upload.name,
        contentType: original.contentType,
        size: original.size,
        ...(image ? { width: image.width, height: image.height } : {}),
        sha256: original.sha256,
        ...(image ? { thumbnail: { sha256: image.thumbnail.sha256, size: image.thumbnail.size } } : {}),
      };
      await this.attachments.insert(record, new Date());
      return record;
    } catch (error) {
      this.logger.warn(`upload ${id} not stored: ${(error as Error).message}`);
      await this.storage.delete(keys).catch(() => undefined);
      throw new AppError(ErrorCode.Unavailable, 'The file could not be stored right now; try again');
    }
  }
}

/** A refusal for size says which limit it was: the per-upload cap, or what is left of the quota. */
function quotaAware(error: unknown, quotaLeft: number | undefined): unknown {
  if (!(error instanceof AppError) || error.code !== ErrorCode.PayloadTooLarge || quotaLeft === undefined) return error;
  return new AppError(ErrorCode.PayloadTooLarge, `Only ${inMiB(quotaLeft)} of your attachment storage quota is left`);
}

function inMiB(bytes: number): string {
  return `${(bytes / MIB).toFixed(bytes < 10 * MIB ? 1 : 0)} MiB`;
}
