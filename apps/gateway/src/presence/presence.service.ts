import { Injectable } from '@nestjs/common';
import { PresenceRepository } from '../repositories/presence.repository';
import { RealtimeRepository } from '../repositories/realtime.repository';
import { RoomsRepository } from '../repositories/rooms.repository';

/** A user's rooms learn when they come online (first socket anywhere) and go offline (last one). */
@Injectable()
export class PresenceService {
  private readonly leaving = new Set<Promise<void>>();

  constructor(
    private readonly presence: PresenceRepository,
    private readonly rooms: RoomsRepository,
    private readonly realtime: RealtimeRepository,
  ) {}

  /** The user's first socket is connected (it was counted on admission), or is counted again after its replica's lapse. */
  async connected(userId: number): Promise<void> {
    await this.announce(userId, true);
  }

  async disconnected(userId: number, socketId: string): Promise<void> {
    const leaving = this.leave(userId, socketId);
    this.leaving.add(leaving);
    try {
      await leaving;
    } finally {
      this.leaving.delete(leaving);
    }
  }

  /**
   * Resolves once the disconnects under way are through, or after `timeoutMs`: a stopping
   * replica's drain closes its sockets without waiting for their announcements, which need
   * MySQL and Redis until the end.
   */
  async settled(timeoutMs: number): Promise<void> {
    if (this.leaving.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled(this.leaving), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  /** The user has no live socket left: their last was on a replica that died, and has been taken out of presence. */
  async wentOffline(userId: number): Promise<void> {
    await this.announce(userId, false);
  }

  private async leave(userId: number, socketId: string): Promise<void> {
    if ((await this.presence.remove(userId, socketId)) === 0) await this.wentOffline(userId);
  }

  private async announce(userId: number, online: boolean): Promise<void> {
    for (const roomId of await this.rooms.roomIdsOf(userId)) {
      this.realtime.clientSend({ room: roomId }, 'presence', { roomId, userId, online });
    }
  }
}
