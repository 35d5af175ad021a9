import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { ErrorCode } from '@chat/contracts';
import { AppError } from '../common/app-error';
import { MessagesRepository, type StoredMessageRef } from '../repositories/messages.repository';
import { mintedAt } from './message-ids';

const WAIT_ATTEMPTS = 10;
const WAIT_STEP_MS = 200;
/** Ids older than this are in MySQL by now (persistence lags by milliseconds), unless the worker is down. */
const WAIT_FOR_IDS_WITHIN_MS = 30_000;

/**
 * A message's row, for what changes it (delete, edit, react). Those change the row in MySQL, never
 * a copy in Redis, so the worker's insert can never overwrite them and what was acknowledged
 * outlives any fault. A message just acknowledged may still be on its way there: the worker gets
 * a moment (2 s). Only for an id minted moments ago (a ULID carries its creation time), so an
 * unknown or old id is answered at once instead of holding the request and polling MySQL.
 */
@Injectable()
export class StoredMessages {
  constructor(private readonly messages: MessagesRepository) {}

  /**
   * The live row, or an AppError: NOT_FOUND, or `whileUnstored` for a recent id still not
   * stored after the wait (the worker is down or far behind: the client may retry).
   */
  async find(messageId: string, whileUnstored: ErrorCode = ErrorCode.NotFound): Promise<StoredMessageRef> {
    const recent = Math.abs(Date.now() - mintedAt(messageId)) < WAIT_FOR_IDS_WITHIN_MS;
    for (let attempt = 0; ; attempt++) {
      const message = await this.messages.findLive(messageId);
      if (message) return message;
      if (!recent) break;
      if (attempt === WAIT_ATTEMPTS) {
        if (whileUnstored === ErrorCode.NotFound || (await this.messages.exists(messageId))) break;
        throw new AppError(whileUnstored, `Message ${messageId} is not stored yet; retry in a few seconds`);
      }
      await sleep(WAIT_STEP_MS);
    }
    throw new AppError(ErrorCode.NotFound, `Message ${messageId} does not exist`);
  }
}
