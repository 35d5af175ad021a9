import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import type { RowDataPacket } from 'mysql2/promise';
import type { Socket } from 'socket.io-client';
import {
  type ErrorCode,
  type ExceptionEvent,
  type HistoryPage,
  MAX_MUTE_MINUTES,
  MODERATION_REASON_MAX_LENGTH,
  QueueName,
  type RedisKeys,
  redisKeys,
  type Session,
} from '@chat/contracts';
import { api, type ChatClient, createRoom, nextEvent, registerUser, request } from './support/clients';
import { type ClusterFixture, useCluster } from './support/fixture';
import { eventually } from './support/wait';

/**
 * Malformed and hostile payloads on every client socket event (docs/EVENTS.md, Socket.IO): each one must be
 * refused with an `{ ok: false, error }` ack and an `exception` event carrying the same code, must
 * leave the socket connected and usable, and must change nothing in MySQL or in a room's seq counter.
 * The REST bodies and paths of the v2 routes (edits, reactions, replies, mentions, direct rooms,
 * contacts, receipts) are held to the same: a 400 VALIDATION_FAILED that changes nothing.
 * The cases are generated from tables below; one `it` per case so a failure names its payload.
 */

/** Everything the cases refer to, known only once the cluster is up. */
interface Ctx {
  owner: Session;
  attacker: Session;
  /** Public; the attacker is a plain member. */
  P: number;
  /** Private; the attacker is not a member. */
  Q: number;
  /** Public; the attacker is banned from it. */
  B: number;
  /** Soft-deleted. */
  D: number;
  /** The owner's live messages in P, Q, B and D, and one of theirs in P that was deleted. */
  msgP: string;
  msgQ: string;
  msgB: string;
  msgD: string;
  msgDeleted: string;
  /** A system message of P (the attacker's join). */
  msgSystem: string;
}

type Expect = ErrorCode | 'ok';
type Who = 'attacker' | 'owner';

interface Case {
  event: string;
  name: string;
  /** The arguments after the event name: `[]` sends no payload at all. */
  args: (c: Ctx) => unknown[];
  expect: Expect;
  as: Who;
  /** Emitted without an acknowledgement callback: only the `exception` event can answer. */
  noAck?: true;
}

interface Outcome {
  ack: unknown;
  exceptions: ExceptionEvent[];
  disconnectReason?: string;
  connectedAfter: boolean;
  followUp: unknown;
}

const V: ErrorCode = 'VALIDATION_FAILED';
const NOT_FOUND: ErrorCode = 'NOT_FOUND';
const NOT_MEMBER: ErrorCode = 'NOT_MEMBER';
const FORBIDDEN: ErrorCode = 'FORBIDDEN';
const BANNED: ErrorCode = 'BANNED';

const UNKNOWN_ROOM = 999_999;
/** A safe integer no INT UNSIGNED id column can hold: refused by validation, never a MySQL error. */
const PAST_INT_UNSIGNED = 2 ** 32;
const UNKNOWN_MESSAGE = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
const UNKNOWN_USER = 999_999;
const NON_MEMBER_USER = 3; // test1 from demo-seed.sql, never a member of this file's rooms

/** Wrong values for a field, as functions of the valid value so a wrong type can carry the right number. */
type Bad = [name: string, value: (valid: unknown) => unknown];
const k = (value: unknown) => () => value;

const badIds: Bad[] = [
  ['a numeric string', (v) => String(v)],
  ['a boolean', k(true)],
  ['an object', (v) => ({ id: v })],
  ['an array', (v) => [v]],
  ['null', k(null)],
  ['zero', k(0)],
  ['negative', k(-1)],
  ['a float', k(1.5)],
  ['MAX_SAFE_INTEGER + 2', k(Number.MAX_SAFE_INTEGER + 2)],
  ['1e308', k(1e308)],
  ['NaN (null on the wire)', k(Number.NaN)],
  ['"NaN"', k('NaN')],
  ['"Infinity"', k('Infinity')],
  ['a hex string', k('0x10')],
  ['an empty string', k('')],
];
const badSeqs: Bad[] = [
  ['a numeric string', k('0')],
  ['a boolean', k(false)],
  ['null', k(null)],
  ['negative', k(-1)],
  ['a float', k(0.5)],
  ['"NaN"', k('NaN')],
  ['an object', k({})],
  ['an array', k([0])],
];
const badLimits: Bad[] = [
  ['zero', k(0)],
  ['negative', k(-5)],
  ['over 100', k(101)],
  ['a float', k(2.5)],
  ['a numeric string', k('10')],
  ['a boolean', k(true)],
  ['an array', k([10])],
];
const badBools: Bad[] = [
  ['the string "true"', k('true')],
  ['1', k(1)],
  ['0', k(0)],
  ['null', k(null)],
  ['an object', k({})],
  ['an array', k([true])],
];
const badContents: Bad[] = [
  ['a number', k(42)],
  ['a boolean', k(true)],
  ['null', k(null)],
  ['an object', k({ text: 'hi' })],
  ['an array', k(['hi'])],
  ['an empty string', k('')],
  ['4,001 characters', k('x'.repeat(4001))],
  // Under the Socket.IO packet limit (64 KB, now 1 MB by default) with its envelope: it reaches validation.
  ['a ~60 KB string', k('y'.repeat(60 * 1024))],
];
const badReasons: Bad[] = [
  ['a number', k(42)],
  ['an empty string', k('')],
  [`${MODERATION_REASON_MAX_LENGTH + 1} characters`, k('r'.repeat(MODERATION_REASON_MAX_LENGTH + 1))],
  ['an object', k({})],
  ['an array', k(['spam'])],
];
const badMessageIds: Bad[] = [
  ['a number', k(42)],
  ['null', k(null)],
  ['an empty string', k('')],
  ['not a ULID', k('not-a-message-id')],
  ['a lowercase ULID', (v) => String(v).toLowerCase()],
  ['27 characters', (v) => `${String(v)}0`],
  ['25 characters', (v) => String(v).slice(1)],
  ['a letter ULIDs exclude (U)', (v) => `U${String(v).slice(1)}`],
  ['SQL', k("' OR '1'='1")],
  ['an array', (v) => [v]],
  ['an object', (v) => ({ id: v })],
];
const badClientMsgIds: Bad[] = [
  ['a number', k(42)],
  ['an empty string', k('')],
  ['65 characters', k('c'.repeat(65))],
  ['a space', k('has space')],
  ['non-ASCII', k('ünïcode')],
  ['an array', k(['a'])],
];
const badMinutes: Bad[] = [
  ['zero', k(0)],
  ['negative', k(-1)],
  ['a float', k(1.5)],
  ['over the maximum', k(MAX_MUTE_MINUTES + 1)],
  ['a numeric string', k('5')],
  ['a boolean', k(true)],
];

const badEmoji: Bad[] = [
  ['a letter', k('a')],
  ['two emoji', k('👍👍')],
  ['an emoji and a letter', k('👍a')],
  ['an emoji and a space', k('👍 ')],
  ['an empty string', k('')],
  ['a space', k(' ')],
  ['a shortcode', k(':+1:')],
  ['100 emoji', k('👍'.repeat(100))],
  ['a number', k(1)],
  ['null', k(null)],
  ['an array', k(['👍'])],
  ['an object', k({ emoji: '👍' })],
];
// Not null: as for every optional field, a null reads as the field left out.
const badMentions: Bad[] = [
  ['a bare id', (v) => v],
  ['a string', k('everyone')],
  ['an object', (v) => ({ id: v })],
  ['an array of numeric strings', (v) => [String(v)]],
  ['an array of floats', k([1.5])],
  ['an array with a negative id', (v) => [v, -1]],
  ['an array with zero', k([0])],
  ['an array with null', (v) => [v, null]],
  ['an array of objects', (v) => [{ id: v }]],
  ['an array of arrays', (v) => [[v]]],
  ['an array with an id past INT UNSIGNED', k([PAST_INT_UNSIGNED])],
  ['51 ids', (v) => [v, ...Array.from({ length: 50 }, (_, i) => 500_000 + i)]],
];

type Kind = 'id' | 'seq' | 'limit' | 'bool' | 'content' | 'reason' | 'messageId' | 'clientMsgId' | 'minutes' | 'emoji';
const badByKind: Record<Kind, Bad[]> = {
  id: badIds,
  seq: badSeqs,
  limit: badLimits,
  bool: badBools,
  content: badContents,
  reason: badReasons,
  messageId: badMessageIds,
  clientMsgId: badClientMsgIds,
  minutes: badMinutes,
  emoji: badEmoji,
};

/** Rooms a valid-looking payload may name, and what the attacker gets for each by the server's rules. */
type RoomTarget = 'unknown' | 'pastIntUnsigned' | 'Q' | 'B' | 'D' | 'P';
const roomOf = (c: Ctx, target: RoomTarget): number =>
  ({ unknown: UNKNOWN_ROOM, pastIntUnsigned: PAST_INT_UNSIGNED, Q: c.Q, B: c.B, D: c.D, P: c.P })[target];
const roomLabel: Record<RoomTarget, string> = {
  unknown: 'an unknown room',
  pastIntUnsigned: 'a room id past INT UNSIGNED',
  Q: "another user's private room",
  B: 'a room the user is banned from',
  D: 'a deleted room',
  P: 'a room where the user is a plain member',
};
// room-access.ts: no such (or deleted) room → NOT_FOUND; banned → BANNED; not a member → NOT_MEMBER;
// a member whose role does not allow the action → FORBIDDEN.
const accessRules = { unknown: NOT_FOUND, pastIntUnsigned: V, Q: NOT_MEMBER, B: BANNED, D: NOT_FOUND } as const;
const moderationRules = { ...accessRules, P: FORBIDDEN } as const;

interface EventSpec {
  event: string;
  /** A payload that passes validation; every field case breaks exactly one field of it. */
  valid: (c: Ctx) => Record<string, unknown>;
  /** Well-formed, but refused by the room rules for the attacker. */
  refused: (c: Ctx) => Record<string, unknown>;
  fields: Record<string, Kind>;
  optional?: string[];
  rooms: Partial<Record<RoomTarget, Expect>>;
}

const objectEvents: EventSpec[] = [
  {
    event: 'message',
    valid: (c) => ({ room: c.P, msg: 'hello', clientMsgId: 'malformed-1' }),
    refused: (c) => ({ room: c.Q, msg: 'hello', clientMsgId: 'malformed-2' }),
    fields: { room: 'id', msg: 'content', clientMsgId: 'clientMsgId' },
    optional: ['clientMsgId'],
    rooms: accessRules,
  },
  {
    event: 'typing',
    valid: (c) => ({ room: c.P, typing: true }),
    refused: (c) => ({ room: c.Q, typing: true }),
    fields: { room: 'id', typing: 'bool' },
    // rooms.gateway.ts: typing needs a socket that has joined the room, which no unknown, foreign or
    // deleted room can be, so every one of them is NOT_MEMBER ("join_room first"), not NOT_FOUND.
    rooms: { unknown: NOT_MEMBER, pastIntUnsigned: V, Q: NOT_MEMBER, B: NOT_MEMBER, D: NOT_MEMBER },
  },
  {
    event: 'read',
    valid: (c) => ({ room: c.P, seq: 0 }),
    refused: (c) => ({ room: c.Q, seq: 0 }),
    fields: { room: 'id', seq: 'seq' },
    rooms: accessRules,
  },
  {
    event: 'sync',
    valid: (c) => ({ room: c.P, afterSeq: 0, limit: 10 }),
    refused: (c) => ({ room: c.Q, afterSeq: 0, limit: 10 }),
    fields: { room: 'id', afterSeq: 'seq', limit: 'limit' },
    optional: ['limit'],
    rooms: accessRules,
  },
  {
    event: 'delete_message',
    valid: (c) => ({ id: c.msgP }),
    refused: (c) => ({ id: c.msgQ }),
    fields: { id: 'messageId' },
    rooms: {},
  },
  ...(['kick_user', 'ban_user'] as const).map((event): EventSpec => ({
    event,
    valid: (c) => ({ room: c.P, userId: c.owner.user.id, reason: 'spam' }),
    refused: (c) => ({ room: c.P, userId: c.owner.user.id, reason: 'spam' }),
    fields: { room: 'id', userId: 'id', reason: 'reason' },
    optional: ['reason'],
    rooms: moderationRules,
  })),
  {
    event: 'mute_user',
    valid: (c) => ({ room: c.P, userId: c.owner.user.id, muted: true, minutes: 5 }),
    refused: (c) => ({ room: c.P, userId: c.owner.user.id, muted: true, minutes: 5 }),
    fields: { room: 'id', userId: 'id', muted: 'bool', minutes: 'minutes' },
    optional: ['minutes'],
    rooms: moderationRules,
  },
  { event: 'delete_room', valid: (c) => ({ room: c.P }), refused: (c) => ({ room: c.P }), fields: { room: 'id' }, rooms: moderationRules },
  {
    event: 'edit_message',
    // The owner's message: even a payload that slipped through validation is the attacker's to refuse.
    valid: (c) => ({ id: c.msgP, msg: 'edited' }),
    refused: (c) => ({ id: c.msgQ, msg: 'edited' }),
    fields: { id: 'messageId', msg: 'content' },
    rooms: {},
  },
  {
    event: 'react',
    valid: (c) => ({ id: c.msgP, emoji: '👍', on: true }),
    refused: (c) => ({ id: c.msgQ, emoji: '👍', on: true }),
    fields: { id: 'messageId', emoji: 'emoji', on: 'bool' },
    rooms: {},
  },
];

/** A JSON object with an own `__proto__` key, as a hostile client can put on the wire. */
function withProtoKey(payload: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(payload).replace(/^\{/, '{"__proto__":{"isAdmin":true},')) as Record<string, unknown>;
}

function buildCases(): Case[] {
  const cases: Case[] = [];
  const add = (event: string, name: string, args: (c: Ctx) => unknown[], expect: Expect, as: Who = 'attacker') =>
    cases.push({ event, name, args, expect, as });

  for (const spec of objectEvents) {
    const { event, valid } = spec;
    add(event, 'a string', () => ['hello'], V);
    add(event, 'a number', () => [42], V);
    add(event, 'a boolean', () => [true], V);
    add(event, 'null', () => [null], V);
    add(event, 'undefined', () => [undefined], V);
    add(event, 'no payload at all', () => [], V);
    add(event, 'an empty object', () => [{}], V);
    add(event, 'an array holding the valid payload', (c) => [[valid(c)]], V);
    add(event, 'binary', () => [Buffer.from('{}')], V);
    add(event, 'the valid payload plus a second argument', (c) => [valid(c), 'second'], V);
    add(event, 'an unknown extra field', (c) => [{ ...valid(c), extra: 1 }], V);
    // On a payload the room rules refuse anyway: if the key slips through validation, the case shows
    // it by its code instead of by posting a message that would spoil the MySQL and seq checks.
    add(event, 'an own __proto__ key', (c) => [withProtoKey(spec.refused(c))], V);
    add(event, 'an own constructor key', (c) => [{ constructor: { name: 'x' }, ...spec.refused(c) }], V);
    for (const [field, kind] of Object.entries(spec.fields)) {
      if (!spec.optional?.includes(field)) {
        add(
          event,
          `missing ${field}`,
          (c) => {
            const rest = valid(c);
            delete rest[field];
            return [rest];
          },
          V,
        );
      }
      for (const [name, bad] of badByKind[kind]) {
        add(event, `${field}: ${name}`, (c) => [{ ...valid(c), [field]: bad(valid(c)[field]) }], V);
      }
    }
    for (const [target, expect] of Object.entries(spec.rooms) as [RoomTarget, Expect][]) {
      add(event, roomLabel[target], (c) => [{ ...valid(c), room: roomOf(c, target) }], expect);
    }
    cases.push({ event, name: 'an empty object, without an ack callback', args: () => [{}], expect: V, as: 'attacker', noAck: true });
  }

  // `message` accepts `content` for `msg`; the alias must be validated just as strictly.
  for (const [name, bad] of badContents)
    add('message', `content (alias of msg): ${name}`, (c) => [{ room: c.P, content: bad(undefined) }], V);
  add('message', 'msg wrong-typed next to a valid content', (c) => [{ room: c.P, msg: 5, content: 'ok' }], V);
  add('message', 'a deeply nested object as msg', (c) => [{ room: c.P, msg: nested(50) }], V);
  for (const [name, bad] of badContents)
    add('edit_message', `content (alias of msg): ${name}`, (c) => [{ id: c.msgP, content: bad(undefined) }], V);

  // replyTo and mentions (v2), each the one wrong field of a send to P.
  for (const [name, bad] of badMessageIds)
    add('message', `replyTo: ${name}`, (c) => [{ room: c.P, msg: 'hello', replyTo: bad(c.msgP) }], V);
  add('message', 'replyTo: a message that does not exist', (c) => [{ room: c.P, msg: 'hello', replyTo: UNKNOWN_MESSAGE }], V);
  add('message', "replyTo: a message of another user's private room", (c) => [{ room: c.P, msg: 'hello', replyTo: c.msgQ }], V);
  for (const [name, bad] of badMentions)
    add('message', `mentions: ${name}`, (c) => [{ room: c.P, msg: 'hello', mentions: bad(c.owner.user.id) }], V);

  // edit_message and react: message ids the attacker may not edit or react to, by the server's rules.
  for (const event of ['edit_message', 'react'] as const) {
    const payload = (id: string) => (event === 'edit_message' ? { id, msg: 'edited' } : { id, emoji: '👍', on: true });
    add(event, 'a message id that does not exist', () => [payload(UNKNOWN_MESSAGE)], NOT_FOUND);
    add(event, 'a deleted message', (c) => [payload(c.msgDeleted)], NOT_FOUND);
    add(event, "a message in another user's private room", (c) => [payload(c.msgQ)], NOT_MEMBER);
    add(event, 'a message in a room the user is banned from', (c) => [payload(c.msgB)], BANNED);
    add(event, 'a message in a deleted room', (c) => [payload(c.msgD)], NOT_FOUND);
  }
  add(
    'edit_message',
    "another member's message in a room where the user is a plain member",
    (c) => [{ id: c.msgP, msg: 'edited' }],
    FORBIDDEN,
  );
  add('edit_message', 'a system message (by the owner)', (c) => [{ id: c.msgSystem, msg: 'edited' }], FORBIDDEN, 'owner');
  add('edit_message', 'their deleted message (by the owner)', (c) => [{ id: c.msgDeleted, msg: 'edited' }], NOT_FOUND, 'owner');

  // join_room / leave_room take a bare id or `{ room }` (room-ref.pipe.ts).
  for (const event of ['join_room', 'leave_room']) {
    add(event, 'no payload at all', () => [], V);
    add(event, 'undefined', () => [undefined], V);
    add(event, 'an empty object', () => [{}], V);
    add(event, 'an array of the id', (c) => [[c.P]], V);
    add(event, 'binary', () => [Buffer.from([1])], V);
    add(event, 'the room under another key', (c) => [{ roomId: c.P }], V);
    add(event, '{ room } plus an unknown extra field', (c) => [{ room: c.P, extra: 1 }], V);
    add(event, 'an own __proto__ key next to room', (c) => [withProtoKey({ room: c.P })], V);
    add(event, 'the id plus a second argument', (c) => [c.P, 'second'], V);
    for (const [name, bad] of badIds) {
      add(event, `bare id: ${name}`, (c) => [bad(c.P)], V);
      add(event, `{ room }: ${name}`, (c) => [{ room: bad(c.P) }], V);
    }
    cases.push({ event, name: 'null, without an ack callback', args: () => [null], expect: V, as: 'attacker', noAck: true });
  }
  for (const [target, expect] of Object.entries(accessRules) as [RoomTarget, Expect][]) {
    add('join_room', `bare id of ${roomLabel[target]}`, (c) => [roomOf(c, target)], expect);
    add('join_room', `{ room } of ${roomLabel[target]}`, (c) => [{ room: roomOf(c, target) }], expect);
  }
  // leave_room only unsubscribes this socket (membership unchanged, no lookup): leaving a room it
  // never joined is a harmless no-op, so a well-formed unknown id is acknowledged, not refused.
  add('leave_room', 'an unknown room (a no-op)', () => [UNKNOWN_ROOM], 'ok');

  // The contract: an invalid event gets an error ack and an `exception`, and never a disconnect; a name
  // no handler knows is the most invalid event there is.
  for (const event of ['no_such_event', 'JOIN_ROOM', 'join_room ', 'exception', 'constructor', 'hasOwnProperty', '__proto__', '']) {
    add(event, 'an event name no handler knows', (c) => [{ room: c.P }], V);
  }

  // delete_message: message ids the attacker may not delete, by the server's rules.
  add('delete_message', 'a message id that does not exist', () => [{ id: UNKNOWN_MESSAGE }], NOT_FOUND);
  add('delete_message', 'a deleted message', (c) => [{ id: c.msgDeleted }], NOT_FOUND);
  add('delete_message', "another member's message in a room where the user is a plain member", (c) => [{ id: c.msgP }], FORBIDDEN);
  add('delete_message', "a message in another user's private room", (c) => [{ id: c.msgQ }], NOT_MEMBER);
  add('delete_message', 'a message in a room the user is banned from', (c) => [{ id: c.msgB }], BANNED);
  add('delete_message', 'a message in a deleted room', (c) => [{ id: c.msgD }], NOT_FOUND);

  // The owner may moderate P, so these reach the user lookups.
  add('kick_user', 'an unknown user (by the owner)', (c) => [{ room: c.P, userId: UNKNOWN_USER }], NOT_FOUND, 'owner');
  add('kick_user', 'a user who is not a member (by the owner)', (c) => [{ room: c.P, userId: NON_MEMBER_USER }], NOT_FOUND, 'owner');
  add('kick_user', 'themself (by the owner)', (c) => [{ room: c.P, userId: c.owner.user.id }], FORBIDDEN, 'owner');
  add('ban_user', 'an unknown user (by the owner)', (c) => [{ room: c.P, userId: UNKNOWN_USER }], NOT_FOUND, 'owner');
  add('ban_user', 'a user id past INT UNSIGNED (by the owner)', (c) => [{ room: c.P, userId: PAST_INT_UNSIGNED }], V, 'owner');
  add('ban_user', 'themself (by the owner)', (c) => [{ room: c.P, userId: c.owner.user.id }], FORBIDDEN, 'owner');
  add('mute_user', 'an unknown user (by the owner)', (c) => [{ room: c.P, userId: UNKNOWN_USER, muted: true }], NOT_FOUND, 'owner');
  add(
    'mute_user',
    'a user who is not a member (by the owner)',
    (c) => [{ room: c.P, userId: NON_MEMBER_USER, muted: true, minutes: 5 }],
    NOT_FOUND,
    'owner',
  );
  add('delete_message', 'a message id that does not exist (by the owner)', () => [{ id: UNKNOWN_MESSAGE }], NOT_FOUND, 'owner');
  add('delete_message', 'a deleted message (by the owner)', (c) => [{ id: c.msgDeleted }], NOT_FOUND, 'owner');
  add('delete_room', 'an unknown room (by the owner)', () => [{ room: UNKNOWN_ROOM }], NOT_FOUND, 'owner');
  add('delete_room', 'their already deleted room (by the owner)', (c) => [{ room: c.D }], NOT_FOUND, 'owner');
  add('sync', 'their deleted room (by the owner)', (c) => [{ room: c.D, afterSeq: 0 }], NOT_FOUND, 'owner');
  add('message', 'their deleted room (by the owner)', (c) => [{ room: c.D, msg: 'into the void' }], NOT_FOUND, 'owner');
  return cases;
}

function nested(depth: number): unknown {
  let value: unknown = 'deep';
  for (let i = 0; i < depth; i++) value = { value };
  return value;
}

/** A REST request with one malformed part, made by the attacker: each must be a 400 VALIDATION_FAILED. */
interface RestCase {
  name: string;
  method: string;
  path: (c: Ctx) => string;
  body?: (c: Ctx) => unknown;
}

interface RestOutcome {
  status: number;
  body: { code?: unknown; message?: unknown } | undefined;
}

function buildRestCases(): RestCase[] {
  const cases: RestCase[] = [];
  const add = (method: string, name: string, path: (c: Ctx) => string, body?: (c: Ctx) => unknown) =>
    cases.push({ name: `${method} ${name}`, method, path, body });
  const reaction = (id: string, emoji: string) => `/messages/${id}/reactions/${encodeURIComponent(emoji)}`;

  // PATCH /messages/:id: the owner's message, so a body that slipped through would still be refused.
  const edit = (c: Ctx) => `/messages/${c.msgP}`;
  for (const [name, bad] of badContents) add('PATCH', `/messages/:id: content ${name}`, edit, () => ({ content: bad(undefined) }));
  add('PATCH', '/messages/:id: no content', edit, () => ({}));
  add('PATCH', '/messages/:id: msg instead of content', edit, () => ({ msg: 'edited' }));
  add('PATCH', '/messages/:id: an unknown extra field', edit, () => ({ content: 'edited', extra: 1 }));
  add('PATCH', '/messages/:id: a body that is an array', edit, () => ['edited']);
  // Only the wrong ids a path can carry: strings, not empty (that is another route).
  const pathable = ([, bad]: Bad) => typeof bad(UNKNOWN_MESSAGE) === 'string' && bad(UNKNOWN_MESSAGE) !== '';
  for (const [name, bad] of badMessageIds.filter(pathable)) {
    add(
      'PATCH',
      `/messages/:id: id ${name}`,
      (c) => `/messages/${encodeURIComponent(String(bad(c.msgP)))}`,
      () => ({ content: 'edited' }),
    );
  }

  for (const method of ['PUT', 'DELETE']) {
    for (const [name, bad] of badEmoji.filter(pathable)) {
      add(method, `/messages/:id/reactions/:emoji: emoji ${name}`, (c) => reaction(c.msgP, String(bad(undefined))));
    }
    add(method, '/messages/:id/reactions/:emoji: id not a ULID', () => reaction('not-a-message-id', '👍'));
    add(method, '/messages/:id/reactions/:emoji: a lowercase ULID', (c) => reaction(c.msgP.toLowerCase(), '👍'));
  }

  const post = (c: Ctx) => `/rooms/${c.P}/messages`;
  for (const [name, bad] of badMessageIds)
    add('POST', `/rooms/:id/messages: replyTo ${name}`, post, (c) => ({ content: 'hi', replyTo: bad(c.msgP) }));
  add('POST', '/rooms/:id/messages: replyTo a message that does not exist', post, () => ({ content: 'hi', replyTo: UNKNOWN_MESSAGE }));
  add('POST', "/rooms/:id/messages: replyTo a message of another user's private room", post, (c) => ({ content: 'hi', replyTo: c.msgQ }));
  for (const [name, bad] of badMentions) {
    add('POST', `/rooms/:id/messages: mentions ${name}`, post, (c) => ({ content: 'hi', mentions: bad(c.owner.user.id) }));
  }

  // The owner is the attacker's contact (they share P): a body that slipped through would open a room.
  const direct = () => '/rooms/direct';
  add('POST', '/rooms/direct: no userId', direct, () => ({}));
  for (const [name, bad] of badIds) add('POST', `/rooms/direct: userId ${name}`, direct, (c) => ({ userId: bad(c.owner.user.id) }));
  add('POST', '/rooms/direct: userId past INT UNSIGNED', direct, () => ({ userId: PAST_INT_UNSIGNED }));
  add('POST', '/rooms/direct: an unknown extra field', direct, (c) => ({ userId: c.owner.user.id, extra: 1 }));

  for (const [name, query] of [
    ['limit 0', 'limit=0'],
    ['limit 101', 'limit=101'],
    ['limit not a number', 'limit=ten'],
    ['cursor not a number', 'cursor=abc'],
    ['cursor negative', 'cursor=-1'],
  ]) {
    add('GET', `/users/contacts: ${name}`, () => `/users/contacts?${query}`);
  }
  add('GET', '/rooms/:id/receipts: a room id that is not a number', () => '/rooms/abc/receipts');
  return cases;
}

const restCases = buildRestCases();
assert.equal(new Set(restCases.map((c) => c.name)).size, restCases.length, 'REST case names are unique');

const title = (c: Case) => `${c.event === '' ? '""' : c.event}: ${c.name}`;
const cases = buildCases();
// Outcomes are keyed by title.
assert.equal(new Set(cases.map(title)).size, cases.length, 'case titles are unique');

/** Untyped access to the socket: these payloads are wrong on purpose. */
const raw = (socket: ChatClient) => socket as unknown as Socket;

describe('malformed socket payloads', { timeout: 180_000 }, () => {
  const t = useCluster({ gateways: 2 });
  let redis: Redis;
  let keys: RedisKeys;
  let ctx: Ctx;
  const outcomes = new Map<string, Outcome>();
  const restOutcomes = new Map<string, RestOutcome>();
  let snapshotBefore: Snapshot;
  let snapshotAfter: Snapshot;
  let seqBefore: Record<'P' | 'Q' | 'B', number>;
  let counterBefore: (string | null)[];
  let counterAfter: (string | null)[];
  let oversize: { ack: unknown; disconnectReason?: string; reconnected: unknown };
  let barrageMs = 0;
  let ownerSocket: ChatClient;

  const open = async (session: Session) => {
    const { socket } = await t.connect(session.access_token);
    return socket;
  };

  /** BullMQ's own layout under its prefix: `<prefix>:<queue>:<list>`. */
  const queueKey = (name: string) => `${keys.bullPrefix}:${QueueName.Messages}:${name}`;
  const queueState = async () => {
    const [wait, active, paused, delayed, prioritized, failed] = await Promise.all([
      redis.llen(queueKey('wait')),
      redis.llen(queueKey('active')),
      redis.llen(queueKey('paused')),
      redis.zcard(queueKey('delayed')),
      redis.zcard(queueKey('prioritized')),
      redis.zcard(queueKey('failed')),
    ]);
    return { wait, active, paused, delayed, prioritized, failed };
  };
  /** Fails with the queue's state, so a stalled worker is told apart from a lost message. */
  const orQueueState = async <T>(waiting: Promise<T>): Promise<T> =>
    waiting.catch(async (error: Error) => {
      throw new Error(`${error.message}; queue ${JSON.stringify(await queueState())}`);
    });

  /** No job waiting or running: an accepted message would be in MySQL by now. */
  const queueDrained = async () => {
    await orQueueState(
      eventually(
        'the message queue to drain',
        async () => {
          const { wait, active, paused, delayed, prioritized } = await queueState();
          return wait + active + paused + delayed + prioritized === 0;
        },
        15_000,
        50,
      ),
    );
    // BullMQ takes a job out of `active` only once the worker's transaction has committed, so empty
    // lists mean every accepted message is in MySQL; the settle covers writes a handler would make
    // after its ack (none should).
    await sleep(300);
  };

  const seqCounters = () => Promise.all([ctx.P, ctx.Q, ctx.B].map((room) => redis.get(keys.roomSeq(room))));

  before(async () => {
    keys = redisKeys(t.prefix);
    redis = t.track(new Redis(t.redisUrl, { maxRetriesPerRequest: 1 }));

    // registerUser, not login: logins are rate-limited per IP, and every test run shares 127.0.0.1.
    const [owner, attacker] = await Promise.all([registerUser(t.url, 'mal-owner'), registerUser(t.url, 'mal-attacker')]);
    const [P, Q, B, D] = await Promise.all([
      createRoom(t.url, owner, { name: 'malformed public' }),
      createRoom(t.url, owner, { name: 'malformed private', isPrivate: true }),
      createRoom(t.url, owner, { name: 'malformed banned' }),
      createRoom(t.url, owner, { name: 'malformed deleted' }),
    ]);
    const rest = async (method: string, path: string, session: Session, body?: unknown) => {
      const response = await api<{ id: string }>(t.url, method, path, { token: session.access_token, body });
      assert.ok(response.status >= 200 && response.status < 300, `${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
      return response.body;
    };
    const post = async (room: number) => (await rest('POST', `/rooms/${room}/messages`, owner, { content: `seed ${room}` })).id;
    await rest('POST', `/rooms/${P}/join`, attacker);
    await rest('POST', `/rooms/${B}/bans`, owner, { userId: attacker.user.id, reason: 'malformed test' });
    const [msgP, msgQ, msgB, msgD, msgDeleted] = await Promise.all([post(P), post(Q), post(B), post(D), post(P)]);
    await orQueueState(
      eventually(
        'the seed messages in MySQL',
        async () => {
          const [rows] = await t.db.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM messages WHERE id IN (?)', [
            [msgP, msgQ, msgB, msgD, msgDeleted],
          ]);
          return Number(rows[0]?.n) === 5;
        },
        30_000,
      ),
    );
    await rest('DELETE', `/messages/${msgDeleted}`, owner);
    await rest('DELETE', `/rooms/${D}`, owner);
    const joinedP = await api<HistoryPage>(t.url, 'GET', `/rooms/${P}/messages`, { token: owner.access_token });
    const msgSystem =
      joinedP.body.messages.find((m) => m.type === 'system')?.id ?? assert.fail("the attacker's join left no system message");
    ctx = { owner, attacker, P, Q, B, D, msgP, msgQ, msgB, msgD, msgDeleted, msgSystem };

    // Several sockets per user: a socket runs its cases one at a time so every `exception` is
    // unambiguously its case's, and the sockets run side by side (over both replicas). Sends are
    // rate-limited per user (burst 20), but the validation pipe refuses a malformed send before the
    // handler reaches the limiter: only the well-formed refused sends count, at most 15 for the attacker
    // (over the socket and REST) and 1 + 5 seeds + 3 final sends for the owner, so no case can come back
    // RATE_LIMITED.
    const attackerSockets = await Promise.all(Array.from({ length: 8 }, () => open(attacker)));
    const ownerSockets = await Promise.all(Array.from({ length: 2 }, () => open(owner)));
    ownerSocket = ownerSockets[0]!;
    const lastSeq = async (room: number) => {
      const ack = await request(ownerSocket, 'join_room', room);
      assert.ok(ack.ok, JSON.stringify(ack));
      return ack.data.lastSeq;
    };
    seqBefore = { P: await lastSeq(P), Q: await lastSeq(Q), B: await lastSeq(B) };
    for (const socket of attackerSockets) assert.equal((await request(socket, 'join_room', P)).ok, true);

    await queueDrained();
    counterBefore = await seqCounters();
    snapshotBefore = await snapshot(t);

    const started = Date.now();
    const lanes = [
      ...attackerSockets.map((s) => ({ socket: s, who: 'attacker' as const })),
      ...ownerSockets.map((s) => ({ socket: s, who: 'owner' as const })),
    ];
    const queues = lanes.map(() => [] as Case[]);
    for (const who of ['attacker', 'owner'] as const) {
      const own = lanes.map((lane, i) => ({ lane, i })).filter(({ lane }) => lane.who === who);
      cases.filter((c) => c.as === who).forEach((c, n) => queues[own[n % own.length].i].push(c));
    }
    await Promise.all([
      ...lanes.map(async ({ socket }, i) => {
        for (const c of queues[i]) outcomes.set(title(c), await probe(socket, c, ctx));
      }),
      (async () => {
        for (const rc of restCases) {
          const { status, body } = await api<{ code?: unknown; message?: unknown }>(t.url, rc.method, rc.path(ctx), {
            token: attacker.access_token,
            body: rc.body?.(ctx),
          });
          restOutcomes.set(rc.name, { status, body });
        }
      })(),
      (async () => {
        // Over SOCKET_MAX_PAYLOAD_BYTES (now 1 MB by default; it was 64 KB): engine.io hands the limit to
        // `ws` as maxPayload, so the frame is refused at the transport before Socket.IO or Nest see an
        // event. The server closes the connection (1009), there is no ack and no `exception`, and the
        // client's way out is to reconnect. 2 MB stays over the limit whichever of the two is configured.
        const socket = await open(attacker);
        const disconnected = new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
        const ack: unknown = await raw(socket)
          .timeout(3_000)
          .emitWithAck('message', { room: ctx.P, msg: 'z'.repeat(2 * 1024 * 1024), clientMsgId: 'oversize-1' })
          .catch((error: Error) => `no ack: ${error.message}`);
        const disconnectReason = await Promise.race([disconnected, sleep(3_000).then(() => undefined)]);
        const fresh = await open(attacker);
        oversize = { ack, disconnectReason, reconnected: await request(fresh, 'join_room', ctx.P) };
      })(),
    ]);
    barrageMs = Date.now() - started;

    await queueDrained();
    counterAfter = await seqCounters();
    snapshotAfter = await snapshot(t);
  });

  for (const c of cases) {
    it(title(c), () => {
      const outcome = outcomes.get(title(c));
      assert.ok(outcome, 'the case did not run');
      const seen = JSON.stringify({ ...outcome, ack: abbreviate(outcome.ack) });
      assert.equal(outcome.disconnectReason, undefined, `the socket was disconnected: ${seen}`);
      assert.ok(outcome.connectedAfter, `not connected afterwards: ${seen}`);
      const followUp = outcome.followUp as { ok?: unknown; data?: { room?: unknown } };
      assert.ok(followUp.ok === true && followUp.data?.room === ctx.P, `the follow-up join_room failed: ${seen}`);
      if (c.expect === 'ok') {
        assert.equal((outcome.ack as { ok?: unknown }).ok, true, seen);
        assert.deepEqual(outcome.exceptions, [], seen);
        return;
      }
      if (!c.noAck) {
        const ack = outcome.ack as { ok?: unknown; error?: { code?: unknown; message?: unknown } };
        assert.deepEqual(Object.keys(ack ?? {}).sort(), ['error', 'ok'], `ack: ${seen}`);
        assert.equal(ack.ok, false, seen);
        assert.deepEqual(Object.keys(ack.error ?? {}).sort(), ['code', 'message'], seen);
        assert.equal(ack.error?.code, c.expect, seen);
        assert.ok(typeof ack.error?.message === 'string' && ack.error.message.length > 0, seen);
        assert.deepEqual(outcome.exceptions, [{ event: c.event, code: c.expect, message: ack.error.message }], `exception: ${seen}`);
      } else {
        assert.equal(outcome.exceptions.length, 1, seen);
        assert.equal(outcome.exceptions[0]?.event, c.event, seen);
        assert.equal(outcome.exceptions[0]?.code, c.expect, seen);
      }
    });
  }

  for (const rc of restCases) {
    it(`REST ${rc.name}`, () => {
      const outcome = restOutcomes.get(rc.name) ?? assert.fail('the case did not run');
      const seen = JSON.stringify(abbreviate(outcome));
      assert.equal(outcome.status, 400, seen);
      assert.equal(outcome.body?.code, V, seen);
      assert.ok(typeof outcome.body?.message === 'string' && outcome.body.message.length > 0, seen);
    });
  }

  it('a packet over the Socket.IO size limit closes the connection at the transport, and the client can reconnect', (t) => {
    const seen = JSON.stringify({ ...oversize, ack: abbreviate(oversize.ack) });
    t.diagnostic(`${cases.length} cases + 1 oversize packet in ${barrageMs} ms; oversize packet: ${seen}`);
    assert.match(String(oversize.ack), /^no ack/, seen);
    assert.ok(oversize.disconnectReason === 'transport close' || oversize.disconnectReason === 'transport error', seen);
    assert.equal((oversize.reconnected as { ok?: unknown }).ok, true, seen);
  });

  it('changes nothing in MySQL (messages, rooms, room_members, room_bans, users)', () => {
    for (const table of Object.keys(snapshotBefore)) {
      const before = snapshotBefore[table];
      const now = snapshotAfter[table];
      const changed = now.rows.filter((row) => !before.rows.includes(row));
      const gone = before.rows.filter((row) => !now.rows.includes(row));
      assert.deepEqual(
        { count: now.count, checksum: now.checksum },
        { count: before.count, checksum: before.checksum },
        `${table} changed: new/changed rows ${JSON.stringify(changed)}, gone/old rows ${JSON.stringify(gone)}`,
      );
    }
  });

  it("did not advance any room's seq counter: the next valid message takes exactly last seq + 1", async () => {
    assert.deepEqual(counterAfter, counterBefore, 'Redis seq counters of P, Q, B');
    for (const [label, room] of [
      ['P', ctx.P],
      ['Q', ctx.Q],
      ['B', ctx.B],
    ] as const) {
      const ack = await request(ownerSocket, 'message', { room, msg: `after the barrage (${label})`, clientMsgId: `after-${label}` });
      assert.ok(ack.ok, JSON.stringify(ack));
      assert.equal(ack.data.seq, seqBefore[label] + 1, `room ${label}`);
    }
  });
});

/** Sends one case and what came back; then proves the socket still works with a valid join_room. */
async function probe(socket: ChatClient, c: Case, ctx: Ctx, ackTimeoutMs = 3_000): Promise<Outcome> {
  const exceptions: ExceptionEvent[] = [];
  let disconnectReason: string | undefined;
  const onException = (e: ExceptionEvent) => exceptions.push(e);
  const onDisconnect = (reason: string) => (disconnectReason = reason);
  socket.on('exception', onException);
  socket.on('disconnect', onDisconnect);
  try {
    const args = c.args(ctx);
    let ack: unknown;
    if (c.noAck) {
      raw(socket).emit(c.event, ...args);
      ack = 'none';
      await nextEvent(socket, 'exception', (e) => e.event === c.event, 3_000).catch(() => undefined);
    } else {
      ack = await raw(socket)
        .timeout(ackTimeoutMs)
        .emitWithAck(c.event, ...args)
        .catch((error: Error) => `no ack: ${error.message}`);
    }
    // The server writes a refusal's `exception` right after its ack, and handles the follow-up only
    // after that: by the time the follow-up is answered, every exception of this case is in.
    const connectedAfter = socket.connected;
    const followUp = socket.connected ? await request(socket, 'join_room', ctx.P).catch((error: Error) => error.message) : 'not connected';
    if (!socket.connected) await reconnect(socket);
    return { ack, exceptions: [...exceptions], disconnectReason, connectedAfter, followUp };
  } finally {
    socket.off('exception', onException);
    socket.off('disconnect', onDisconnect);
  }
}

/** Keeps a lane going after a case broke its connection, so one bug does not fail the cases after it. */
async function reconnect(socket: ChatClient): Promise<void> {
  const ready = nextEvent(socket, 'ready', () => true, 10_000);
  socket.connect();
  await ready;
}

function abbreviate(value: unknown): unknown {
  const text = JSON.stringify(value);
  return text && text.length > 300 ? `${text.slice(0, 300)}…` : value;
}

interface TableSnapshot {
  count: number;
  checksum: string;
  rows: string[];
}
type Snapshot = Record<string, TableSnapshot>;

const snapshotTables: [table: string, order: string][] = [
  ['messages', 'id'],
  ['rooms', 'id'],
  ['room_members', 'room_id, user_id'],
  ['room_bans', 'room_id, user_id'],
  ['users', 'id'],
];

/** Every row of the tables a socket event could touch, in key order, and a checksum over them. */
async function snapshot(t: ClusterFixture): Promise<Snapshot> {
  const result: Snapshot = {};
  for (const [table, order] of snapshotTables) {
    const [rows] = await t.db.query<RowDataPacket[]>(`SELECT * FROM ${table} ORDER BY ${order}`);
    const lines = rows.map((row) => JSON.stringify(row, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)));
    result[table] = { count: rows.length, checksum: createHash('sha256').update(lines.join('\n')).digest('hex'), rows: lines };
  }
  return result;
}
