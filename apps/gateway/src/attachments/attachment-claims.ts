import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { ErrorCode, type StoredAttachment } from '@chat/contracts';
import { AppError } from '../common/app-error';
import { AttachmentsRepository, storedAttachment } from '../repositories/attachments.repository';

/** A send attempt's hold on its uploads; `release` gives them back when nothing was stored. */
export interface ClaimedAttachments {
  attachments: StoredAttachment[];
  release(): Promise<void>;
}

/**
 * An upload is usable until this long before the worker may sweep it as unused, so a message on
 * its way to MySQL (milliseconds, normally) is linked to its uploads before they could be removed.
 */
const SWEEP_MARGIN_MS = 10 * 60_000;

/**
 * A send takes its uploads before it takes a seq, so a refusal (someone else's upload, one used
 * already) leaves no hole in the room's sequence, and two sends can never share an upload. The
 * claim names the attempt by sender and clientMsgId: a retry of the same send claims the same
 * uploads again and gets the first attempt's ack.
 */
@Injectable()
export class AttachmentClaims {
  private readonly usableForMs: number;

  constructor(
    private readonly attachments: AttachmentsRepository,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.usableForMs = Math.max(config.attachments.orphanHours * 3_600_000 - SWEEP_MARGIN_MS, SWEEP_MARGIN_MS);
  }

  async claim(ids: readonly string[], by: { roomId: number; senderId: number; clientMsgId?: string }): Promise<ClaimedAttachments> {
    const claim = `${by.senderId}:${by.clientMsgId ?? `once:${randomUUID()}`}`;
    const uploadedAfter = new Date(Date.now() - this.usableForMs);
    const held = await this.attachments.claim([...ids], { roomId: by.roomId, uploaderId: by.senderId, claim, uploadedAfter });
    if (held.length === 0) {
      throw new AppError(
        ErrorCode.ValidationFailed,
        'attachmentIds must be your own recent uploads to this room that no other message uses (upload with POST /rooms/:id/attachments)',
      );
    }
    return { attachments: held.map(storedAttachment), release: () => this.attachments.release([...ids], claim) };
  }
}
