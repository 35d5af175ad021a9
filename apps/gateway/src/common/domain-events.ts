import { Injectable, Logger } from '@nestjs/common';
import type { RoomEntity } from '@chat/database';

/**
 * What one feature tells the others without importing them: the emitter names what happened,
 * whoever cares subscribes. Add an event here with its payload.
 */
export interface DomainEventMap {
  /** A room's membership changed in a way its history records as a system note ("Ann joined"). */
  'room.membership-changed': { room: RoomEntity; note: string };
}

export type DomainEventName = keyof DomainEventMap;
type Listener<E extends DomainEventName> = (event: DomainEventMap[E]) => Promise<void> | void;

/**
 * A small typed in-process bus. `emit` waits for every listener, so what they do (storing a system
 * note) has happened when the action that caused it answers; a listener's failure is logged and
 * never reaches the emitter, whose own action has already succeeded.
 */
@Injectable()
export class DomainEvents {
  private readonly logger = new Logger(DomainEvents.name);
  private readonly listeners = new Map<DomainEventName, Listener<DomainEventName>[]>();

  on<E extends DomainEventName>(name: E, listener: Listener<E>): void {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), listener as Listener<DomainEventName>]);
  }

  async emit<E extends DomainEventName>(name: E, event: DomainEventMap[E]): Promise<void> {
    const listeners = this.listeners.get(name) ?? [];
    await Promise.all(
      listeners.map(async (listener) => {
        try {
          await listener(event);
        } catch (error) {
          this.logger.warn(`${name} listener failed: ${(error as Error).message}`);
        }
      }),
    );
  }
}
