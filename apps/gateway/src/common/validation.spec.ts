import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { body, pipe, refusal } from './validation-refusal';
import { CreateRoomDto } from '../rooms/dto/room.dto';
import { SendMessageDto } from '../messages/dto/message-events.dto';
import { RegisterDto } from '../auth/dto/auth.dto';
import { MessageIdParams } from '../messages/dto/message.dto';

/** Containers nested `depth` deep, the outermost counting 1; the innermost holds `leaf`. */
function nestedArrays(depth: number, leaf: unknown = 1): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}
function nestedObjects(depth: number, leaf: unknown = 1): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = { v: value };
  return value;
}

const DEPTH = 16;
const tooDeep = /nested deeper than 16 levels/;

describe('StrictValidationPipe: nesting depth', () => {
  for (const [kind, nested] of [
    ['arrays', nestedArrays],
    ['objects', nestedObjects],
  ] as const) {
    it(`walks ${DEPTH} levels of ${kind} (the body counting 1) through to the DTO`, async () => {
      // The body is level 1, so `name` may hold 15 more: the DTO, not the depth rule, refuses it.
      assert.equal(await refusal({ name: nested(DEPTH - 1) }, body(CreateRoomDto)), 'name must be a string');
    });
    it(`refuses ${DEPTH + 1} levels of ${kind}`, async () => {
      assert.match(await refusal({ name: nested(DEPTH) }, body(CreateRoomDto)), tooDeep);
    });
    it(`refuses 20,000 levels of ${kind} without overflowing the stack`, async () => {
      assert.match(await refusal({ name: nested(20_000) }, body(CreateRoomDto)), tooDeep);
      assert.match(await refusal(nested(20_000), body(CreateRoomDto)), tooDeep);
      assert.match(await refusal({ room: 1, msg: nested(20_000) }, body(SendMessageDto)), tooDeep);
    });
  }
  it('counts the top-level value as level 1, arrays and objects alike', async () => {
    const sixteen = nestedObjects(DEPTH / 2, nestedArrays(DEPTH / 2));
    assert.equal(await pipe.transform(sixteen, { type: 'body' }), sixteen);
    assert.match(await refusal([sixteen], { type: 'body' }), tooDeep);
  });
  it('refuses query and param input too', async () => {
    assert.match(await refusal(nestedArrays(DEPTH + 1), { type: 'query', data: 'q' }), tooDeep);
    assert.match(await refusal(nestedObjects(DEPTH + 1), { type: 'param', metatype: MessageIdParams }), tooDeep);
  });
  it('leaves parameters the server supplies alone', async () => {
    const deep = nestedArrays(20_000);
    assert.equal(await pipe.transform(deep, { type: 'custom' }), deep);
  });
  it('walks a wide 64 KB body quickly', async () => {
    const wide = { name: 'room', invitedUserIds: Array.from({ length: 10_000 }, (_, i) => i + 1), more: Array(6_000).fill({ a: 'b' }) };
    assert.ok(JSON.stringify(wide).length > 64 * 1024);
    const started = performance.now();
    assert.match(await refusal(wide, body(CreateRoomDto)), /property more should not exist|invitedUserIds/);
    assert.ok(performance.now() - started < 500, 'validation took too long');
  });
});

describe('StrictValidationPipe: lone surrogates', () => {
  const notWellFormed = /well-formed UTF-16/;
  for (const [where, text] of [
    ['in the middle', 'x\uD800y'],
    ['at the end', 'abc\uD83D'],
    ['a low surrogate alone', '\uDE00'],
    ['in the wrong order', '\uDE00\uD83D'],
  ] as const) {
    it(`refuses a string with a lone surrogate ${where}`, async () => {
      assert.match(await refusal({ name: text }, body(CreateRoomDto)), /^name must be well-formed UTF-16/);
      assert.match(await refusal({ room: 1, msg: text }, body(SendMessageDto)), /^msg must be well-formed UTF-16/);
      assert.match(await refusal({ email: 'a@example.com', password: 'password1', nickname: text }, body(RegisterDto)), notWellFormed);
    });
  }
  it('refuses one at any depth, and in keys', async () => {
    assert.match(await refusal({ name: 'ok', invitedUserIds: [1, { deep: ['fine', 'x\uDBFF'] }] }, body(CreateRoomDto)), notWellFormed);
    assert.match(await refusal({ name: 'ok', ['k\uD800']: 1 }, body(CreateRoomDto)), /property name .*well-formed UTF-16/);
    assert.match(await refusal({ name: 'ok', nested: { ['\uDC00']: 1 } }, body(CreateRoomDto)), /property name in nested/);
  });
  it('refuses one in a bare string, a query or a param', async () => {
    assert.match(await refusal('\uD800', { type: 'body' }), notWellFormed);
    assert.match(await refusal('a\uD800', { type: 'query', data: 'q' }), /^q must be well-formed/);
    assert.match(await refusal({ id: '\uD800' }, { type: 'param', metatype: MessageIdParams }), /^id must be well-formed/);
  });
  it('accepts surrogate pairs, which are well-formed', async () => {
    const dto = (await pipe.transform({ name: '😀 방 👩‍👩‍👧' }, body(CreateRoomDto))) as CreateRoomDto;
    assert.equal(dto.name, '😀 방 👩‍👩‍👧');
  });
});

describe('StrictValidationPipe: reserved keys', () => {
  it('refuses an own __proto__ key', async () => {
    const payload = JSON.parse('{"__proto__":{"isAdmin":true},"name":"x"}') as unknown;
    assert.equal(await refusal(payload, body(CreateRoomDto)), 'property __proto__ should not exist');
  });
  it('refuses constructor and prototype, nested too', async () => {
    assert.equal(await refusal({ constructor: { name: 'x' }, name: 'x' }, body(CreateRoomDto)), 'property constructor should not exist');
    assert.equal(
      await refusal({ name: 'x', invitedUserIds: [1, { prototype: 1 }] }, body(CreateRoomDto)),
      'property invitedUserIds.1.prototype should not exist',
    );
  });
  it('still refuses unknown fields through the DTO', async () => {
    assert.equal(await refusal({ name: 'x', extra: 1 }, body(CreateRoomDto)), 'property extra should not exist');
  });
});
