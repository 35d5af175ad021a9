import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { currentRequestId, requestIdFrom, withRequestId } from './request-id';

describe('requestIdFrom', () => {
  it('keeps a sane id: nginx hex, a UUID, a socket event id', () => {
    for (const id of ['0f9e8d7c6b5a49382716a5b4c3d2e1f0', '3b241101-e2bb-4255-8caf-4136c566a962', 'abc.DEF_1:42']) {
      assert.equal(requestIdFrom(id), id);
    }
  });

  it('replaces a missing, repeated, too long or unsafe header with a fresh UUID', () => {
    for (const header of [undefined, '', ['a', 'b'], 'x'.repeat(129), 'a b', 'a\nb', '"}{"level":60']) {
      const id = requestIdFrom(header);
      assert.notEqual(id, header);
      assert.match(id, /^[0-9a-f-]{36}$/);
    }
  });
});

describe('withRequestId', () => {
  it('is the current id across awaits inside it, and only there', async () => {
    const seen = await withRequestId('r1', async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return currentRequestId();
    });
    assert.equal(seen, 'r1');
    assert.equal(currentRequestId(), undefined);
  });
});
