interface Slot {
  sentAt: number;
  sent: boolean;
  pending?: { typing: boolean; relay: () => void; timer: NodeJS.Timeout };
}

/** Idle slots are forgotten after this long. */
const FORGET_AFTER_MS = 10_000;

/**
 * Relays at most one `typing` per key (user + room) per interval, on this replica: the first at
 * once, and of those that come too soon only the latest state, at the end of the interval. So a
 * flood of typing events costs each room member a few frames a second, and a "stopped typing"
 * is delayed, never lost.
 */
export class TypingThrottle {
  private readonly slots = new Map<string, Slot>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly intervalMs: number) {
    this.sweeper = setInterval(() => this.forgetIdle(), FORGET_AFTER_MS).unref();
  }

  offer(key: string, typing: boolean, relay: () => void): void {
    const now = Date.now();
    const slot = this.slots.get(key);
    if (!slot || now - slot.sentAt >= this.intervalMs) {
      if (slot?.pending) clearTimeout(slot.pending.timer);
      this.slots.set(key, { sentAt: now, sent: typing });
      relay();
      return;
    }
    if (slot.pending) clearTimeout(slot.pending.timer);
    // The same state as the last relay: nothing for the room to learn.
    if (typing === slot.sent) {
      slot.pending = undefined;
      return;
    }
    const timer = setTimeout(
      () => {
        slot.pending = undefined;
        slot.sentAt = Date.now();
        slot.sent = typing;
        relay();
      },
      slot.sentAt + this.intervalMs - now,
    );
    slot.pending = { typing, relay, timer };
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const slot of this.slots.values()) if (slot.pending) clearTimeout(slot.pending.timer);
    this.slots.clear();
  }

  private forgetIdle(): void {
    const cutoff = Date.now() - FORGET_AFTER_MS;
    for (const [key, slot] of this.slots) if (!slot.pending && slot.sentAt < cutoff) this.slots.delete(key);
  }
}
