import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maskIp } from './mask-ip';

describe('maskIp', () => {
  it('keeps the first two octets of an IPv4 address', () => {
    assert.equal(maskIp('203.0.113.42'), '203.0.xxx.xxx');
    assert.equal(maskIp('::ffff:10.1.2.3'), '10.1.xxx.xxx');
  });
  it('keeps the first two groups of an IPv6 address', () => {
    assert.equal(maskIp('2001:db8:1:2::7'), '2001:db8:xxxx::');
  });
  it('never echoes something that is not an address', () => {
    assert.equal(maskIp('<script>'), 'unknown');
    assert.equal(maskIp(undefined), 'unknown');
  });
});
