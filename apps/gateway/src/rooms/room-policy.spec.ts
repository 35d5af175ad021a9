import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RoomRole, SiteRole } from '@chat/contracts';
import { may, outranks, type RoomAction } from './room-policy';

const actor = (roomRole: RoomRole | null, siteRole: SiteRole = 'user') => ({ roomRole, siteRole });

describe('room policy', () => {
  const expectations: [RoomAction, RoomRole | null, SiteRole, boolean][] = [
    ['send', 'guest', 'guest', true],
    ['beMember', 'guest', 'guest', true],
    ['beMember', null, 'admin', false],
    ['send', null, 'admin', false],
    ['read', null, 'admin', true],
    ['read', null, 'user', false],
    ['invite', 'guest', 'guest', false],
    ['invite', 'member', 'user', true],
    ['invite', 'owner', 'guest', false],
    ['rename', 'member', 'user', false],
    ['rename', 'admin', 'user', true],
    ['deleteRoom', 'admin', 'user', false],
    ['deleteRoom', null, 'admin', true],
    ['setRole', 'admin', 'user', false],
    ['setRole', null, 'admin', false],
    ['moderate', 'member', 'user', false],
    ['moderate', 'admin', 'user', true],
    ['leave', null, 'admin', false],
  ];
  for (const [action, roomRole, siteRole, allowed] of expectations) {
    it(`${action} by ${roomRole ?? 'non-member'} (${siteRole}): ${allowed ? 'allowed' : 'refused'}`, () => {
      assert.equal(may(actor(roomRole, siteRole), action), allowed);
    });
  }

  it('nobody acts on the owner or on themself', () => {
    assert.equal(outranks({ userId: 1, ...actor(null, 'admin') }, { userId: 2, roomRole: 'owner' }), false);
    assert.equal(outranks({ userId: 1, ...actor('owner') }, { userId: 1, roomRole: 'owner' }), false);
  });

  it('admins act on members and guests, not on each other; owners act on admins', () => {
    assert.equal(outranks({ userId: 1, ...actor('admin') }, { userId: 2, roomRole: 'member' }), true);
    assert.equal(outranks({ userId: 1, ...actor('admin') }, { userId: 2, roomRole: 'guest' }), true);
    assert.equal(outranks({ userId: 1, ...actor('admin') }, { userId: 2, roomRole: 'admin' }), false);
    assert.equal(outranks({ userId: 1, ...actor('owner') }, { userId: 2, roomRole: 'admin' }), true);
    assert.equal(outranks({ userId: 1, ...actor('member') }, { userId: 2, roomRole: 'guest' }), false);
  });
});
