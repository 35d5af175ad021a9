import type { RoomRole, SiteRole } from '@chat/contracts';

// What the UI offers, following the server's room policy; the server still decides every request.

const RANK: Record<RoomRole, number> = { guest: 0, member: 1, admin: 2, owner: 3 };

export interface Actor {
  siteRole: SiteRole;
  /** Null when not a member. */
  roomRole: RoomRole | null;
}

const atLeast = (actor: Actor, role: RoomRole) => actor.roomRole !== null && RANK[actor.roomRole] >= RANK[role];

export const canRename = (actor: Actor) => atLeast(actor, 'admin') || actor.siteRole === 'admin';
export const canModerate = canRename;
export const canSetRoles = (actor: Actor) => actor.roomRole === 'owner';
export const canInvite = (actor: Actor) => actor.siteRole !== 'guest' && atLeast(actor, 'member');

/** Owners and site admins act on anyone but the owner; admins on members and guests; nobody on themself. */
export function outranks(actor: Actor, target: RoomRole, self: boolean): boolean {
  if (self || target === 'owner' || !canModerate(actor)) return false;
  if (actor.roomRole === 'owner' || actor.siteRole === 'admin') return true;
  return RANK[target] < RANK.admin;
}
