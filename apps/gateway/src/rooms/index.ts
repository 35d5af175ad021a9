/** What other features may use of rooms: the access check and the room rules. */
export { type Caller, RoomAccess, type RoomContext } from './room-access';
export { outranks } from './room-policy';
export { isMuted, toMembershipView } from './room-view';
export { RoomsModule } from './rooms.module';
export { MembershipView, ROOM_ROLES } from './dto/room.response';
export { LiveRoomState } from './live-room-state';
export { RoomViews } from './room-views';
