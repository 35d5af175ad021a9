import type { RoomRole, SiteRole } from '@chat/contracts';

/**
 * Who may do what in a room: the rules only, no I/O, so they are unit-tested and the
 * authorization matrix test can be read against them.
 */
export type RoomAction =
  | 'view'
  | 'read'
  | 'send'
  | 'invite'
  | 'listMembers'
  | 'rename'
  | 'deleteRoom'
  | 'setRole'
  | 'moderate'
  | 'leave'
  | 'markRead'
  /** Acting on one's own membership or messages (self-mute, deleting one's own message). */
  | 'beMember';

export interface RoomActor {
  siteRole: SiteRole;
  /** null when not a member. */
  roomRole: RoomRole | null;
  /** Anyone signed in may see a public room's details. */
  publicRoom?: boolean;
}

const rank: Record<RoomRole, number> = { guest: 0, member: 1, admin: 2, owner: 3 };

const isMember = (a: RoomActor) => a.roomRole !== null;
const isSiteAdmin = (a: RoomActor) => a.siteRole === 'admin';
const atLeast = (role: RoomRole) => (a: RoomActor) => a.roomRole !== null && rank[a.roomRole] >= rank[role];

/**
 * Site admins moderate every room (they are how abuse gets handled) and may read it, but they
 * only post where they are members, and only the owner hands out roles.
 */
const rules: Record<RoomAction, (actor: RoomActor) => boolean> = {
  view: (a) => a.publicRoom === true || isMember(a) || isSiteAdmin(a),
  read: (a) => isMember(a) || isSiteAdmin(a),
  send: isMember,
  // Guests are anonymous and unlimited in number: they may not make anyone a member of anything.
  invite: (a) => a.siteRole !== 'guest' && atLeast('member')(a),
  listMembers: (a) => isMember(a) || isSiteAdmin(a),
  rename: (a) => atLeast('admin')(a) || isSiteAdmin(a),
  deleteRoom: (a) => atLeast('owner')(a) || isSiteAdmin(a),
  setRole: atLeast('owner'),
  moderate: (a) => atLeast('admin')(a) || isSiteAdmin(a),
  leave: isMember,
  markRead: isMember,
  beMember: isMember,
};

export function may(actor: RoomActor, action: RoomAction): boolean {
  return rules[action](actor);
}

/**
 * Whether a moderator may act on (mute, kick, ban, change the role of, delete the messages of)
 * a member: never on themself or on the owner; owners and site admins on anyone else; room
 * admins only on members and guests. (Deleting a message is the one exception: site admins may
 * delete anyone's, the owner's included, see MessageDeletion.)
 */
export function outranks(actor: RoomActor & { userId: number }, target: { userId: number; roomRole: RoomRole | null }): boolean {
  if (actor.userId === target.userId || target.roomRole === 'owner') return false;
  if (actor.roomRole === 'owner' || isSiteAdmin(actor)) return true;
  return actor.roomRole === 'admin' && (target.roomRole === null || rank[target.roomRole] < rank.admin);
}
