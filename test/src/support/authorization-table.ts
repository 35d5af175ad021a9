import { ErrorCode } from '@chat/contracts';

/**
 * Who may do what: the expected outcome of every operation for every kind of caller, read off
 * the API contract and the room policy (apps/gateway/src/rooms/room-policy.ts). authorization.e2e.test.ts
 * turns each cell into a test against the real cluster.
 *
 * A cell is ALLOWED (a 2xx, or an `{ ok: true }` ack) or the exact refusal. Refusal codes follow
 * RoomAccess: NOT_MEMBER for a caller outside the room, BANNED for one banned from it, FORBIDDEN
 * for a member whose role is too low (and for a moderator acting on someone they do not outrank).
 */

export const ACTORS = ['owner', 'roomAdmin', 'member', 'guest', 'nonMember', 'roomBanned', 'siteAdmin', 'anonymous'] as const;
export type Actor = (typeof ACTORS)[number];
/** Anonymous callers have no socket: the handshake itself is refused. */
export type SocketActor = Exclude<Actor, 'anonymous'>;

export interface Refusal {
  status: number;
  code: ErrorCode;
}
export const ALLOWED = 'allowed';
export const NO_SOCKET = 'no socket';
export type Expect = typeof ALLOWED | Refusal;

const OK = ALLOWED;
const UNAUTHORIZED: Refusal = { status: 401, code: ErrorCode.Unauthorized };
const FORBIDDEN: Refusal = { status: 403, code: ErrorCode.Forbidden };
const NOT_MEMBER: Refusal = { status: 403, code: ErrorCode.NotMember };
const BANNED: Refusal = { status: 403, code: ErrorCode.Banned };

/**
 * "Another user", "a member", "another room admin" and "the owner" are the targets the fixture
 * provides; the room is public unless the operation says otherwise.
 */
export type RestOperation =
  | 'GET /auth/me'
  | 'POST /auth/logout'
  | 'GET /users'
  | 'GET /users/:id (another user)'
  | 'PATCH /users/:id (another user)'
  | 'PATCH /users/:id/ban (another user)'
  | 'POST /rooms'
  | 'POST /rooms (with invitedUserIds)'
  | 'GET /rooms'
  | 'GET /rooms/mine'
  | 'GET /rooms/:id (public room)'
  | 'GET /rooms/:id (private room)'
  | 'PATCH /rooms/:id'
  | 'DELETE /rooms/:id'
  | 'POST /rooms/:id/join (public room)'
  | 'POST /rooms/:id/join (private room)'
  | 'POST /rooms/:id/leave'
  | 'POST /rooms/:id/invites'
  | 'POST /rooms/:id/invites (a user banned from the room)'
  | 'GET /rooms/:id/members'
  | 'PATCH /rooms/:id/members/:userId (role of a member)'
  | 'PATCH /rooms/:id/members/:userId (mute a member)'
  | 'DELETE /rooms/:id/members/:userId (kick a member)'
  | 'DELETE /rooms/:id/members/:userId (kick another room admin)'
  | 'DELETE /rooms/:id/members/:userId (kick the owner)'
  | 'POST /rooms/:id/bans (a member)'
  | 'POST /rooms/:id/bans (another room admin)'
  | 'POST /rooms/:id/bans (the owner)'
  | 'DELETE /rooms/:id/bans/:userId'
  | 'GET /rooms/:id/bans'
  | 'GET /rooms/:id/messages'
  | 'POST /rooms/:id/messages'
  | 'POST /rooms/:id/attachments'
  | 'GET /search/messages'
  | 'GET /search/messages (room=)'
  | "DELETE /messages/:id (a member's message)"
  | "DELETE /messages/:id (the owner's message)"
  | 'POST /rooms/:id/read'
  | "PATCH /messages/:id (a member's message)"
  | 'PATCH /messages/:id (their own message)'
  | 'PUT /messages/:id/reactions/:emoji'
  | 'DELETE /messages/:id/reactions/:emoji'
  | 'GET /rooms/:id/receipts'
  | 'GET /users/contacts'
  | 'POST /rooms/direct (a member of the room)';

export type SocketOperation =
  | 'socket message'
  | 'socket join_room'
  | 'socket typing'
  | 'socket read'
  | 'socket sync'
  | 'socket delete_message'
  | 'socket kick_user'
  | 'socket ban_user'
  | 'socket mute_user'
  | 'socket delete_room'
  | "socket edit_message (a member's message)"
  | 'socket edit_message (their own message)'
  | 'socket react';

export type Operation = RestOperation | SocketOperation;

type RestRow = Record<Actor, Expect>;
type SocketRow = Record<SocketActor, Expect> & { anonymous: typeof NO_SOCKET };

// A matrix reads only with one operation per line and its columns aligned.
// prettier-ignore
export const AUTHORIZATION_TABLE = {
  'GET /auth/me':                                                { owner: OK,        roomAdmin: OK,        member: OK,        guest: OK,        nonMember: OK,         roomBanned: OK,         siteAdmin: OK,         anonymous: UNAUTHORIZED },
  'POST /auth/logout':                                           { owner: OK,        roomAdmin: OK,        member: OK,        guest: OK,        nonMember: OK,         roomBanned: OK,         siteAdmin: OK,         anonymous: UNAUTHORIZED },
  'GET /users':                                                  { owner: FORBIDDEN, roomAdmin: FORBIDDEN, member: FORBIDDEN, guest: FORBIDDEN, nonMember: FORBIDDEN,  roomBanned: FORBIDDEN,  siteAdmin: OK,         anonymous: UNAUTHORIZED },
  'GET /users/:id (another user)':                               { owner: FORBIDDEN, roomAdmin: FORBIDDEN, member: FORBIDDEN, guest: FORBIDDEN, nonMember: FORBIDDEN,  roomBanned: FORBIDDEN,  siteAdmin: OK,         anonymous: UNAUTHORIZED },
  'PATCH /users/:id (another user)':                             { owner: FORBIDDEN, roomAdmin: FORBIDDEN, member: FORBIDDEN, guest: FORBIDDEN, nonMember: FORBIDDEN,  roomBanned: FORBIDDEN,  siteAdmin: OK,         anonymous: UNAUTHORIZED },
  'PATCH /users/:id/ban (another user)':                         { owner: FORBIDDEN, roomAdmin: FORBIDDEN, member: FORBIDDEN, guest: FORBIDDEN, nonMember: FORBIDDEN,  roomBanned: FORBIDDEN,  siteAdmin: OK,         anonymous: UNAUTHORIZED },
  // "user" in the API contract means any signed-in caller, site guests included (the server agrees).
  'POST /rooms':                                                 { owner: OK,        roomAdmin: OK,        member: OK,        guest: OK,        nonMember: OK,         roomBanned: OK,         siteAdmin: OK,         anonymous: UNAUTHORIZED },
  // Site guests may not put anyone in a room (M3): no invitations, at creation or later.
  'POST /rooms (with invitedUserIds)':                           { owner: OK,        roomAdmin: OK,        member: OK,        guest: FORBIDDEN, nonMember: OK,         roomBanned: OK,         siteAdmin: OK,         anonymous: UNAUTHORIZED },
  'GET /rooms':                                                  { owner: OK,        roomAdmin: OK,        member: OK,        guest: OK,        nonMember: OK,         roomBanned: OK,         siteAdmin: OK,         anonymous: UNAUTHORIZED },
  'GET /rooms/mine':                                             { owner: OK,        roomAdmin: OK,        member: OK,        guest: OK,        nonMember: OK,         roomBanned: OK,         siteAdmin: OK,         anonymous: UNAUTHORIZED },
  // "Anyone for a public room": a room ban keeps you out of the conversation, not off its details.
  'GET /rooms/:id (public room)':                                { owner: OK,        roomAdmin: OK,        member: OK,        guest: OK,        nonMember: OK,         roomBanned: OK,         siteAdmin: OK,         anonymous: UNAUTHORIZED },
  'GET /rooms/:id (private room)':                               { owner: OK,        roomAdmin: OK,        member: OK,        guest: OK,        nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: OK,         anonymous: UNAUTHORIZED },
  'PATCH /rooms/:id':                                            { owner: OK,        roomAdmin: OK,        member: FORBIDDEN, guest: FORBIDDEN, nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: OK,         anonymous: UNAUTHORIZED },
  'DELETE /rooms/:id':                                           { owner: OK,        roomAdmin: FORBIDDEN, member: FORBIDDEN, guest: FORBIDDEN, nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: OK,         anonymous: UNAUTHORIZED },
  // Joining a room you are already in is harmless: the membership is returned.
  'POST /rooms/:id/join (public room)':                          { owner: OK,        roomAdmin: OK,        member: OK,        guest: OK,        nonMember: OK,         roomBanned: BANNED,     siteAdmin: OK,         anonymous: UNAUTHORIZED },
  'POST /rooms/:id/join (private room)':                         { owner: OK,        roomAdmin: OK,        member: OK,        guest: OK,        nonMember: FORBIDDEN,  roomBanned: BANNED,     siteAdmin: FORBIDDEN,  anonymous: UNAUTHORIZED },
  'POST /rooms/:id/leave':                                       { owner: OK,        roomAdmin: OK,        member: OK,        guest: OK,        nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: NOT_MEMBER, anonymous: UNAUTHORIZED },
  // The policy reads the contract's "member" as the member role and up: room guests do not invite.
  'POST /rooms/:id/invites':                                     { owner: OK,        roomAdmin: OK,        member: OK,        guest: FORBIDDEN, nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: NOT_MEMBER, anonymous: UNAUTHORIZED },
  // Allowed, but the banned user is reported in `banned` and not added (H3): a ban holds until lifted.
  'POST /rooms/:id/invites (a user banned from the room)':       { owner: OK,        roomAdmin: OK,        member: OK,        guest: FORBIDDEN, nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: NOT_MEMBER, anonymous: UNAUTHORIZED },
  'GET /rooms/:id/members':                                      { owner: OK,        roomAdmin: OK,        member: OK,        guest: OK,        nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: OK,         anonymous: UNAUTHORIZED },
  // Only the owner hands out roles, site admins included.
  'PATCH /rooms/:id/members/:userId (role of a member)':         { owner: OK,        roomAdmin: FORBIDDEN, member: FORBIDDEN, guest: FORBIDDEN, nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: NOT_MEMBER, anonymous: UNAUTHORIZED },
  'PATCH /rooms/:id/members/:userId (mute a member)':            { owner: OK,        roomAdmin: OK,        member: FORBIDDEN, guest: FORBIDDEN, nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: OK,         anonymous: UNAUTHORIZED },
  'DELETE /rooms/:id/members/:userId (kick a member)':           { owner: OK,        roomAdmin: OK,        member: FORBIDDEN, guest: FORBIDDEN, nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: OK,         anonymous: UNAUTHORIZED },
  // Room admins cannot act on each other; nobody acts on the owner (the owner not on themself either).
  'DELETE /rooms/:id/members/:userId (kick another room admin)': { owner: OK,        roomAdmin: FORBIDDEN, member: FORBIDDEN, guest: FORBIDDEN, nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: OK,         anonymous: UNAUTHORIZED },
  'DELETE /rooms/:id/members/:userId (kick the owner)':          { owner: FORBIDDEN, roomAdmin: FORBIDDEN, member: FORBIDDEN, guest: FORBIDDEN, nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: FORBIDDEN,  anonymous: UNAUTHORIZED },
  'POST /rooms/:id/bans (a member)':                             { owner: OK,        roomAdmin: OK,        member: FORBIDDEN, guest: FORBIDDEN, nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: OK,         anonymous: UNAUTHORIZED },
  'POST /rooms/:id/bans (another room admin)':                   { owner: OK,        roomAdmin: FORBIDDEN, member: FORBIDDEN, guest: FORBIDDEN, nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: OK,         anonymous: UNAUTHORIZED },
  'POST /rooms/:id/bans (the owner)':                            { owner: FORBIDDEN, roomAdmin: FORBIDDEN, member: FORBIDDEN, guest: FORBIDDEN, nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: FORBIDDEN,  anonymous: UNAUTHORIZED },
  // The user unbanned is the room-banned actor, so for that actor this is "unban myself".
  'DELETE /rooms/:id/bans/:userId':                              { owner: OK,        roomAdmin: OK,        member: FORBIDDEN, guest: FORBIDDEN, nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: OK,         anonymous: UNAUTHORIZED },
  'GET /rooms/:id/bans':                                         { owner: OK,        roomAdmin: OK,        member: FORBIDDEN, guest: FORBIDDEN, nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: OK,         anonymous: UNAUTHORIZED },
  'GET /rooms/:id/messages':                                     { owner: OK,        roomAdmin: OK,        member: OK,        guest: OK,        nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: OK,         anonymous: UNAUTHORIZED },
  // Site admins read and moderate every room but post only where they are members.
  'POST /rooms/:id/messages':                                    { owner: OK,        roomAdmin: OK,        member: OK,        guest: OK,        nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: NOT_MEMBER, anonymous: UNAUTHORIZED },
  "DELETE /messages/:id (a member's message)":                   { owner: OK,        roomAdmin: OK,        member: FORBIDDEN, guest: FORBIDDEN, nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: OK,         anonymous: UNAUTHORIZED },
  // Room admins do not outrank the owner; site admins delete any message (the contract), the owner's too.
  "DELETE /messages/:id (the owner's message)":                  { owner: OK,        roomAdmin: FORBIDDEN, member: FORBIDDEN, guest: FORBIDDEN, nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: OK,         anonymous: UNAUTHORIZED },
  // Uploading is part of sending: the same who, muted members refused (MUTED) as for messages.
  'POST /rooms/:id/attachments':                                 { owner: OK,        roomAdmin: OK,        member: OK,        guest: OK,        nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: NOT_MEMBER, anonymous: UNAUTHORIZED },
  'GET /search/messages':                                        { owner: OK,        roomAdmin: OK,        member: OK,        guest: OK,        nonMember: OK,         roomBanned: OK,         siteAdmin: OK,         anonymous: UNAUTHORIZED },
  // Search covers only rooms one is a member of: unlike history, site admins included.
  'GET /search/messages (room=)':                                { owner: OK,        roomAdmin: OK,        member: OK,        guest: OK,        nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: NOT_MEMBER, anonymous: UNAUTHORIZED },
  'POST /rooms/:id/read':                                        { owner: OK,        roomAdmin: OK,        member: OK,        guest: OK,        nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: NOT_MEMBER, anonymous: UNAUTHORIZED },
  // Only the author edits, and only while still a member; outsiders meet the room's access rule first.
  "PATCH /messages/:id (a member's message)":                    { owner: FORBIDDEN, roomAdmin: FORBIDDEN, member: FORBIDDEN, guest: FORBIDDEN, nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: NOT_MEMBER, anonymous: UNAUTHORIZED },
  // Each actor edits a message of their own: the non-member and the site admin wrote theirs before leaving, the banned user before the ban.
  'PATCH /messages/:id (their own message)':                     { owner: OK,        roomAdmin: OK,        member: OK,        guest: OK,        nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: NOT_MEMBER, anonymous: UNAUTHORIZED },
  // Reacting is taking part, as posting is: the same who.
  'PUT /messages/:id/reactions/:emoji':                          { owner: OK,        roomAdmin: OK,        member: OK,        guest: OK,        nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: NOT_MEMBER, anonymous: UNAUTHORIZED },
  'DELETE /messages/:id/reactions/:emoji':                       { owner: OK,        roomAdmin: OK,        member: OK,        guest: OK,        nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: NOT_MEMBER, anonymous: UNAUTHORIZED },
  // Read like the member list: site admins read every room.
  'GET /rooms/:id/receipts':                                     { owner: OK,        roomAdmin: OK,        member: OK,        guest: OK,        nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: OK,         anonymous: UNAUTHORIZED },
  'GET /users/contacts':                                         { owner: OK,        roomAdmin: OK,        member: OK,        guest: OK,        nonMember: OK,         roomBanned: OK,         siteAdmin: OK,         anonymous: UNAUTHORIZED },
  // Only a contact: the target shares a room with its members alone (the banned user no longer is one). A direct
  // room puts the other user in a room, which site guests may not do (M3).
  'POST /rooms/direct (a member of the room)':                   { owner: OK,        roomAdmin: OK,        member: OK,        guest: FORBIDDEN, nonMember: FORBIDDEN,  roomBanned: FORBIDDEN,  siteAdmin: FORBIDDEN,  anonymous: UNAUTHORIZED },

  'socket message':                                              { owner: OK,        roomAdmin: OK,        member: OK,        guest: OK,        nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: NOT_MEMBER, anonymous: NO_SOCKET },
  'socket join_room':                                            { owner: OK,        roomAdmin: OK,        member: OK,        guest: OK,        nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: NOT_MEMBER, anonymous: NO_SOCKET },
  // Typing is only relayed from a socket that joined the room; the refusal says "join_room first".
  'socket typing':                                               { owner: OK,        roomAdmin: OK,        member: OK,        guest: OK,        nonMember: NOT_MEMBER, roomBanned: NOT_MEMBER, siteAdmin: NOT_MEMBER, anonymous: NO_SOCKET },
  'socket read':                                                 { owner: OK,        roomAdmin: OK,        member: OK,        guest: OK,        nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: NOT_MEMBER, anonymous: NO_SOCKET },
  'socket sync':                                                 { owner: OK,        roomAdmin: OK,        member: OK,        guest: OK,        nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: OK,         anonymous: NO_SOCKET },
  'socket delete_message':                                       { owner: OK,        roomAdmin: OK,        member: FORBIDDEN, guest: FORBIDDEN, nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: OK,         anonymous: NO_SOCKET },
  'socket kick_user':                                            { owner: OK,        roomAdmin: OK,        member: FORBIDDEN, guest: FORBIDDEN, nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: OK,         anonymous: NO_SOCKET },
  'socket ban_user':                                             { owner: OK,        roomAdmin: OK,        member: FORBIDDEN, guest: FORBIDDEN, nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: OK,         anonymous: NO_SOCKET },
  'socket mute_user':                                            { owner: OK,        roomAdmin: OK,        member: FORBIDDEN, guest: FORBIDDEN, nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: OK,         anonymous: NO_SOCKET },
  'socket delete_room':                                          { owner: OK,        roomAdmin: FORBIDDEN, member: FORBIDDEN, guest: FORBIDDEN, nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: OK,         anonymous: NO_SOCKET },
  "socket edit_message (a member's message)":                    { owner: FORBIDDEN, roomAdmin: FORBIDDEN, member: FORBIDDEN, guest: FORBIDDEN, nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: NOT_MEMBER, anonymous: NO_SOCKET },
  'socket edit_message (their own message)':                     { owner: OK,        roomAdmin: OK,        member: OK,        guest: OK,        nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: NOT_MEMBER, anonymous: NO_SOCKET },
  'socket react':                                                { owner: OK,        roomAdmin: OK,        member: OK,        guest: OK,        nonMember: NOT_MEMBER, roomBanned: BANNED,     siteAdmin: NOT_MEMBER, anonymous: NO_SOCKET },
} as const satisfies Record<RestOperation, RestRow> & Record<SocketOperation, SocketRow>;

export const OPERATIONS = Object.keys(AUTHORIZATION_TABLE) as Operation[];

export const isSocketOperation = (operation: Operation): operation is SocketOperation => operation.startsWith('socket ');
