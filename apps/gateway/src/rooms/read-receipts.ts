import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ReceiptWindowRepository } from '../repositories/receipt-window.repository';
import { RealtimeRepository } from '../repositories/realtime.repository';

/** A member's read receipts reach a room at most once per window, cluster-wide. */
export const RECEIPT_WINDOW_MS = 1000;

interface Due {
  roomId: number;
  userId: number;
  seq: number;
  timer?: NodeJS.Timeout;
}

/**
 * `receipt { roomId, userId, seq }` when a member's read marker moves: at once if the member's
 * window in the room is closed, else once it closes, with the highest seq read meanwhile. So a
 * reader scrolling through a busy room costs its members one event a second, and the last marker
 * always arrives. The window and the highest seq sent are kept in Redis (ReceiptWindowRepository),
 * so a user reading on two replicas is throttled as one, and a replica holding an older seq than
 * one already sent drops it.
 */
@Injectable()
export class ReadReceipts implements OnApplicationShutdown {
  private readonly due = new Map<string, Due>();

  constructor(
    private readonly windows: ReceiptWindowRepository,
    private readonly realtime: RealtimeRepository,
  ) {}

  moved(roomId: number, userId: number, seq: number): void {
    const key = `${roomId}:${userId}`;
    const waiting = this.due.get(key);
    if (waiting) {
      waiting.seq = Math.max(waiting.seq, seq);
      return;
    }
    const due: Due = { roomId, userId, seq };
    this.due.set(key, due);
    void this.attempt(key, due);
  }

  /** A replica going away sends what it holds rather than dropping it. */
  onApplicationShutdown(): void {
    for (const [key, due] of this.due) {
      clearTimeout(due.timer);
      this.send(key, due);
    }
  }

  private async attempt(key: string, due: Due): Promise<void> {
    const { seq } = due;
    const answer = await this.windows.claim(due.roomId, due.userId, seq, RECEIPT_WINDOW_MS);
    if (typeof answer === 'number') {
      due.timer = setTimeout(() => void this.attempt(key, due), answer);
      return;
    }
    if (answer === 'send') this.emit(due, seq);
    // Read further while this was being claimed: that goes in the next window.
    if (due.seq > seq) void this.attempt(key, due);
    else this.due.delete(key);
  }

  private send(key: string, due: Due): void {
    this.due.delete(key);
    this.emit(due, due.seq);
  }

  private emit(due: Due, seq: number): void {
    this.realtime.clientSend({ room: due.roomId }, 'receipt', { roomId: due.roomId, userId: due.userId, seq });
  }
}
