import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type RealServices, startRealServices } from '../testing/real-services';
import { MembershipNoteRepository } from './membership-note.repository';

describe('MembershipNoteRepository (Redis)', () => {
  let services: RealServices;
  let notes: MembershipNoteRepository;

  before(async () => {
    services = await startRealServices();
    notes = new MembershipNoteRepository(services.redis, services.keys);
  });
  after(() => services?.close());

  it('stores the first join or leave of a burst, not its repeats by the same user in the same room', async () => {
    assert.equal(await notes.shouldStore(1, 10), true);
    assert.equal(await notes.shouldStore(1, 10), false);
    assert.equal(await notes.shouldStore(1, 11), true, 'another user');
    assert.equal(await notes.shouldStore(2, 10), true, 'another room');
    const ttl = await services.redis.pttl(services.keys.membershipNote(1, 10));
    assert.ok(ttl > 55_000 && ttl <= 60_000, `window ${ttl} ms`);
  });

  it('stores again once the window has passed', async () => {
    assert.equal(await notes.shouldStore(3, 10), true);
    await services.redis.pexpire(services.keys.membershipNote(3, 10), 1);
    await sleep(10);
    assert.equal(await notes.shouldStore(3, 10), true);
  });

  it('stores when Redis cannot tell (a note too many beats a missing one)', async () => {
    const gone = services.connectRedis('gone');
    await gone.quit();
    assert.equal(await new MembershipNoteRepository(gone, services.keys).shouldStore(4, 10), true);
  });
});
