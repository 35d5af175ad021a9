import type Redis from 'ioredis';

/*
 * Every Lua script the gateway runs, in one place: each is defined once on the command
 * connection (ioredis sends EVALSHA and falls back to EVAL after a SCRIPT FLUSH or a failover),
 * and called through the typed methods of ScriptedRedis.
 */

/**
 * Takes the next seq of each message's room and, for a send with a clientMsgId, records the
 * reservation under it, in one atomic step for a whole batch (its order is the seq order). A retry
 * finds its reservation and gets the same id, seq and createdAt back instead of a new seq. A
 * message's floor is its room's last seq in MySQL. A room whose counter is missing (Redis lost
 * it) is numbered only from a floor read fresh from MySQL: with a floor from a cache, a new
 * message could take the seq of a persisted one. Such a message gets '' back, and no seq.
 * KEYS: per message, its room's seq key and its clientMsgId key ('' for none).
 * ARGV: the TTL, whether the floors are fresh ('1') or may be stale ('0'), then per message its
 * floor, id, createdAt and room id.
 */
const RESERVE = `
local records = {}
for i = 1, #KEYS / 2 do
  local seqKey, clientKey = KEYS[2 * i - 1], KEYS[2 * i]
  local arg = 4 * (i - 1) + 1
  local existing = clientKey ~= '' and redis.call('GET', clientKey)
  if existing then
    records[i] = existing
  else
    local current = redis.call('GET', seqKey)
    if not current and ARGV[2] ~= '1' then
      records[i] = ''
    else
      local floor = tonumber(ARGV[arg + 2])
      if tonumber(current or '0') < floor then redis.call('SET', seqKey, floor) end
      local seq = redis.call('INCR', seqKey)
      local record = cjson.encode({ id = ARGV[arg + 3], seq = seq, createdAt = ARGV[arg + 4], roomId = tonumber(ARGV[arg + 5]), acked = false })
      if clientKey ~= '' then redis.call('SET', clientKey, record, 'EX', ARGV[1]) end
      records[i] = record
    end
  end
end
return records`;

/**
 * Adds a message to its room's set (trimmed to the newest MAX_PER_ROOM, TTL renewed) and, if
 * given, updates one more record: a single script, so one command instead of a pipeline of four.
 */
const REMEMBER = `
if KEYS[1] ~= '' then
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -tonumber(ARGV[3]) - 1)
  redis.call('EXPIRE', KEYS[1], ARGV[4])
end
if KEYS[2] ~= '' then redis.call('SET', KEYS[2], ARGV[5], 'KEEPTTL', 'XX') end
return 1`;

/**
 * Adds (or removes) one socket of a user, drops expired ones, returns how many are left; an add
 * that would take the user past ARGV[5] sockets adds nothing and returns -1.
 */
const TOUCH = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
if ARGV[1] == 'add' then
  if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[5]) and not redis.call('ZSCORE', KEYS[1], ARGV[2]) then
    return -1
  end
  redis.call('ZADD', KEYS[1], ARGV[3] + ARGV[4], ARGV[2])
else
  redis.call('ZREM', KEYS[1], ARGV[2])
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return redis.call('ZCARD', KEYS[1])`;

const SCRIPTS = {
  chatReserve: { lua: RESERVE },
  chatRemember: { numberOfKeys: 2, lua: REMEMBER },
  chatPresence: { numberOfKeys: 1, lua: TOUCH },
} satisfies Record<string, { numberOfKeys?: number; lua: string }>;

/** The command connection with the scripts as commands. */
export interface ScriptedRedis extends Redis {
  /** KEYS: per message its room's seq key and its clientMsgId key; see RESERVE. */
  chatReserve(numberOfKeys: number, ...keysThenArgs: (string | number)[]): Promise<string[]>;
  chatRemember(setKey: string, alsoKey: string, seq: number, entry: string, max: number, ttl: number, alsoValue: string): Promise<number>;
  chatPresence(key: string, op: 'add' | 'remove', socketId: string, now: number, ttl: number, cap: number): Promise<number>;
}

export function withScripts(redis: Redis): ScriptedRedis {
  for (const [name, definition] of Object.entries(SCRIPTS)) redis.defineCommand(name, definition);
  return redis as ScriptedRedis;
}
