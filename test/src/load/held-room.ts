import type { ChatMessage } from '@chat/contracts';

/** Live messages from different replicas may arrive out of order: a gap is only chased after this long (EVENTS.md). */
const GAP_GRACE_MS = 1_000;

interface Held {
  id: string;
  clientMsgId?: string;
}

/** What one client holds of one room: messages by seq, merged from live events and syncs. */
export class HeldRoom {
  readonly bySeq = new Map<number, Held>();
  private readonly seqByClientMsgId = new Map<string, number>();
  /** Every seq up to this one is held (or precedes the client's first join). */
  contiguous: number;
  /** The highest seq the client knows exists: from messages and from join_room's lastSeq. */
  known: number;
  gapSince?: number;
  syncing = false;
  lastSyncAt = 0;
  /** The same message delivered again (live and by sync, say): harmless, merged by id. */
  redundant = 0;
  /** Live messages that came after a higher seq. */
  outOfOrder = 0;
  /** Two different messages claiming one seq, or one clientMsgId stored at two seqs. */
  readonly conflicts: string[] = [];
  private highestLive: number;

  constructor(
    readonly room: number,
    /** join_room's lastSeq at the first join: the client is only expected to hold what follows. */
    readonly baseline: number,
  ) {
    this.contiguous = this.known = this.highestLive = baseline;
  }

  learn(lastSeq: number): void {
    this.known = Math.max(this.known, lastSeq);
    this.trackGap();
  }

  add(message: Pick<ChatMessage, 'id' | 'seq' | 'clientMsgId'>, live: boolean): void {
    if (message.seq <= this.baseline) return;
    if (live) {
      if (message.seq < this.highestLive) this.outOfOrder++;
      this.highestLive = Math.max(this.highestLive, message.seq);
    }
    const held = this.bySeq.get(message.seq);
    if (held) {
      if (held.id === message.id) this.redundant++;
      else this.conflicts.push(`room ${this.room} seq ${message.seq}: ${held.id} and ${message.id}`);
      return;
    }
    if (message.clientMsgId) {
      const other = this.seqByClientMsgId.get(message.clientMsgId);
      if (other !== undefined)
        this.conflicts.push(`room ${this.room} clientMsgId ${message.clientMsgId} at seq ${other} and ${message.seq}`);
      this.seqByClientMsgId.set(message.clientMsgId, message.seq);
    }
    this.bySeq.set(message.seq, { id: message.id, clientMsgId: message.clientMsgId });
    this.known = Math.max(this.known, message.seq);
    while (this.bySeq.has(this.contiguous + 1)) this.contiguous++;
    this.trackGap();
  }

  get gapDue(): boolean {
    const now = Date.now();
    return this.gapSince !== undefined && now - this.gapSince >= GAP_GRACE_MS && now - this.lastSyncAt >= GAP_GRACE_MS && !this.syncing;
  }

  private trackGap(): void {
    if (this.contiguous >= this.known) this.gapSince = undefined;
    else this.gapSince ??= Date.now();
  }
}
