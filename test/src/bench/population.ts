import type { Session } from '@chat/contracts';
import { api } from '../support/clients';
import type { Target } from './targets';

export interface Shape {
  rooms: number;
  members: number;
}

/** One user: a member of exactly one room, holding one socket in the benchmark. */
export interface Member {
  /** Index of its room in `Population.roomIds`. */
  room: number;
  /** Its position in the room, 0 … members − 1: a receiver's slot in the delivery bitmap. */
  slot: number;
  token?: string;
}

export interface Population {
  roomIds: number[];
  /** Room-major: room r's members are members[r·M … r·M + M − 1]; the first one owns the room. */
  members: Member[];
  /** Owner tokens by room, to delete the rooms of a deployment we do not own (`--url`). */
  ownerTokens: string[];
}

/**
 * The users and rooms of a run: registering needs no login, and one POST /rooms with
 * invitedUserIds makes a whole room, so setting up 1,000 users takes seconds. The clusters the
 * bench starts raise the per-IP sign-up limit; a deployment under `--url` must too
 * (loadtest/README.md, "Rate limits").
 */
export async function populate(target: Target, shape: Shape, runId: string): Promise<Population> {
  if (target.protocol === 'bare') {
    return {
      roomIds: Array.from({ length: shape.rooms }, (_, r) => r + 1),
      members: Array.from({ length: shape.rooms * shape.members }, (_, i) => ({
        room: Math.floor(i / shape.members),
        slot: i % shape.members,
      })),
      ownerTokens: [],
    };
  }
  const sessions = await mapLimit(
    Array.from({ length: shape.rooms * shape.members }, (_, i) => i),
    16,
    (i) => register(target.url, `b${runId}u${i}`),
  );
  const roomIds = await mapLimit(
    Array.from({ length: shape.rooms }, (_, r) => r),
    8,
    (r) => createRoom(target.url, sessions.slice(r * shape.members, (r + 1) * shape.members), `bench ${runId} ${r}`),
  );
  return {
    roomIds,
    members: sessions.map((s, i) => ({ room: Math.floor(i / shape.members), slot: i % shape.members, token: s.access_token })),
    ownerTokens: roomIds.map((_, r) => sessions[r * shape.members]?.access_token ?? ''),
  };
}

/** Deletes the run's rooms (their messages stay: the contract soft-deletes). */
export async function depopulate(target: Target, population: Population): Promise<void> {
  await mapLimit(population.roomIds, 8, (id, r) =>
    api(target.url, 'DELETE', `/rooms/${id}`, { token: population.ownerTokens[r] }).catch(() => undefined),
  );
}

async function register(base: string, nickname: string): Promise<Session> {
  const { status, body } = await api<Session>(base, 'POST', '/auth/register', {
    body: { email: `${nickname}@bench.example.test`, password: 'bench password 1', nickname },
  });
  if (status !== 201) throw new Error(`register ${nickname}: ${status} ${JSON.stringify(body)}`);
  return body;
}

async function createRoom(base: string, members: Session[], name: string): Promise<number> {
  const [owner, ...invited] = members;
  if (!owner) throw new Error('a room needs at least one member');
  const { status, body } = await api<{ id: number }>(base, 'POST', '/rooms', {
    token: owner.access_token,
    body: { name, isPrivate: true, invitedUserIds: invited.map((s) => s.user.id) },
  });
  if (status !== 201) throw new Error(`create room: ${status} ${JSON.stringify(body)}`);
  return body.id;
}

/** Runs `work` over `items` with at most `limit` in flight, keeping the order of results. */
export async function mapLimit<T, R>(items: T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
