import { UserEntity } from '@chat/database';
import { DomainEvents, type DomainEventMap } from '../common/domain-events';
import { MembersRepository } from '../repositories/members.repository';
import { MembershipCache } from '../repositories/membership.cache';
import { RoomsRepository } from '../repositories/rooms.repository';
import { UsersRepository } from '../repositories/users.repository';
import { RoomAccess } from '../rooms';
import type { RealServices } from './real-services';

/**
 * The room and user data and the access check as the gateway wires them, on a spec's real
 * services, with a domain-event bus that records the system notes the services ask for.
 */
export function roomData(services: RealServices) {
  const rooms = new RoomsRepository(services.db, services.reads);
  const notes: DomainEventMap['room.membership-changed'][] = [];
  const events = new DomainEvents();
  events.on('room.membership-changed', (event) => void notes.push(event));
  return {
    rooms,
    members: new MembersRepository(services.db, services.reads),
    users: new UsersRepository(services.db.getRepository(UserEntity), services.reads),
    access: new RoomAccess(rooms, new MembershipCache(rooms, services.pub, services.sub, services.keys)),
    events,
    /** The notes asked for in one room, oldest first. */
    notesOf: (roomId: number) => notes.filter((n) => n.room.id === roomId).map((n) => n.note),
  };
}
