import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { TypingThrottle } from './typing-throttle';

describe('TypingThrottle', () => {
  it('relays the first event at once and at most one more per interval, with the latest state', async () => {
    const throttle = new TypingThrottle(100);
    const relayed: boolean[] = [];
    try {
      for (let i = 0; i < 50; i++) throttle.offer('1:2', i % 2 === 0, () => relayed.push(i % 2 === 0));
      assert.deepEqual(relayed, [true]);
      throttle.offer('1:2', false, () => relayed.push(false));
      await sleep(150);
      assert.deepEqual(relayed, [true, false], 'the last state (stopped) arrives at the end of the interval');
    } finally {
      throttle.close();
    }
  });

  it('drops a repeat of the state last relayed, and keeps keys apart', async () => {
    const throttle = new TypingThrottle(100);
    const relayed: string[] = [];
    try {
      throttle.offer('a', true, () => relayed.push('a:true'));
      throttle.offer('a', true, () => relayed.push('a:true again'));
      throttle.offer('b', true, () => relayed.push('b:true'));
      await sleep(150);
      assert.deepEqual(relayed, ['a:true', 'b:true']);
      throttle.offer('a', true, () => relayed.push('a:true later'));
      assert.deepEqual(relayed, ['a:true', 'b:true', 'a:true later'], 'after the interval a refresh goes at once');
    } finally {
      throttle.close();
    }
  });
});
