import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from '@chat/redis';

/*
 * Every Lua script the gateway runs, in one place: each is defined once on the command
 * connection (ioredis sends EVALSHA and falls back to EVAL after a SCRIPT FLUSH or a failover),
 * and called through the typed methods of ScriptedRedis.
 */

/**
 * GCRA: the budget key holds the instant (ms) the sender's budget is next empty. A draw that would
 * take it more than `burst` intervals past now is refused: the key is put back, and the function
 * returns the ms until one more fits. In the common case (the budget is not in use) one command.
 */
const DRAW = `
local function draw(key, now, interval, burst)
  local previous = redis.call('SET', key, now + interval, 'PX', interval, 'GET')
  local tat = tonumber(previous or '0')
  if tat <= now then return nil end
  local nextTat = tat + interval
  if nextTat - now > burst * interval then
    redis.call('SET', key, previous, 'PX', tat - now)
    return nextTat - now - burst * interval
  end
  redis.call('SET', key, nextTat, 'PX', nextTat - now)
  return nil
end`;

/**
 * Admits a gateway batch in one atomic step, message by message in order (its order is the seq
 * order). Per message, each a single command in the common case:
 * - the sender's send budget (DRAW above; a send over it gets 'R' and the ms to wait, and takes
 *   no seq);
 * - the room's next seq (INCR). A message's floor is its room's last seq in MySQL. A room whose
 *   counter is missing (Redis lost it, or its first message) is numbered only from a floor read
 *   fresh from MySQL: with a floor from a cache, a new message could take the seq of a persisted
 *   one. Such a message gets '' back and no seq (the fresh run passes no budget key, so the
 *   budget is drawn once);
 * - its clientMsgId's record (SET NX GET, Redis 7): a retry finds the first attempt's record,
 *   gets 'E' and it, and gives the seq it drew back. A new message gets 'N' and its record.
 * Every 32nd seq also caps the room's set of not-yet-persisted messages and renews its TTL.
 * KEYS, per message: its room's seq key, its clientMsgId key, its sender's budget key and its
 * room's recent-message set (a key a message has none of is given as its seq key: on a Redis
 * Cluster every key of a call must share a slot).
 * ARGV: the record TTL (s), whether the floors are fresh ('1') or may be stale ('0'), now (ms),
 * the budget's emission interval (ms) and burst, the recent set's cap and TTL (s); then per
 * message its floor, id, createdAt, room id, and whether it has a clientMsgId and a budget ('1'
 * or '0').
 */
const ADMIT = `${DRAW}
local now, interval, burst = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local out = {}
for i = 1, #KEYS / 4 do
  local seqKey, recentKey = KEYS[4 * i - 3], KEYS[4 * i]
  local arg = 7 + 6 * (i - 1)
  local clientKey = ARGV[arg + 5] == '1' and KEYS[4 * i - 2]
  local budgetKey = ARGV[arg + 6] == '1' and KEYS[4 * i - 1]
  local wait = budgetKey and draw(budgetKey, now, interval, burst)
  if wait then
    out[i] = 'R' .. wait
  else
    local seq = redis.call('INCR', seqKey)
    if seq == 1 and ARGV[2] ~= '1' then
      redis.call('DEL', seqKey)
      out[i] = ''
    else
      local floor = tonumber(ARGV[arg + 1])
      if seq <= floor then
        seq = floor + 1
        redis.call('SET', seqKey, seq)
      end
      local record = cjson.encode({ id = ARGV[arg + 2], seq = seq, createdAt = ARGV[arg + 3], roomId = tonumber(ARGV[arg + 4]) })
      local existing = clientKey and redis.call('SET', clientKey, record, 'NX', 'GET', 'EX', ARGV[1])
      if existing then
        if seq == 1 then redis.call('DEL', seqKey) else redis.call('SET', seqKey, seq - 1) end
        out[i] = 'E' .. existing
      else
        out[i] = 'N' .. record
        if seq % 32 == 0 then
          redis.call('ZREMRANGEBYRANK', recentKey, 0, -tonumber(ARGV[6]) - 1)
          redis.call('EXPIRE', recentKey, ARGV[7])
        end
      end
    end
  end
end
return out`;

/**
 * The send budgets alone, for a Redis Cluster, where a sender's budget key and their message's
 * room keys live in different slots: one call per slot, before the admit script (which then gets
 * no budget keys). KEYS: budget keys, in order. ARGV: now (ms), emission interval (ms), burst.
 * Returns per key '' (drawn) or the ms to wait.
 */
const BUDGET = `${DRAW}
local now, interval, burst = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local out = {}
for i = 1, #KEYS do
  local wait = draw(KEYS[i], now, interval, burst)
  out[i] = wait and tostring(wait) or ''
end
return out`;

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

/**
 * A member's read receipt in a room, cluster-wide: KEYS[1] holds the highest seq sent and when
 * (Redis's clock, so replicas' clocks never matter). ARGV: the seq to send, the window (ms), the
 * key's TTL (s). Returns -1 when that seq (or a higher one) was sent already, 0 when it may go
 * now (recorded), else the milliseconds until the window allows it.
 */
const RECEIPT = `
local seq, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local sent, at = 0, 0
local value = redis.call('GET', KEYS[1])
if value then
  local colon = string.find(value, ':')
  sent, at = tonumber(string.sub(value, 1, colon - 1)), tonumber(string.sub(value, colon + 1))
end
if seq <= sent then return -1 end
if at + window > now then return at + window - now end
redis.call('SET', KEYS[1], seq .. ':' .. now, 'EX', ARGV[3])
return 0`;

const SCRIPTS = {
  chatAdmit: { lua: ADMIT },
  chatReceipt: { numberOfKeys: 1, lua: RECEIPT },
  chatBudget: { lua: BUDGET },
  chatPresence: { numberOfKeys: 1, lua: TOUCH },
} satisfies Record<string, { numberOfKeys?: number; lua: string }>;

/** The command connection with the scripts as commands. */
export type ScriptedRedis = RedisClient & ScriptCommands;

interface ScriptCommands {
  /** KEYS: per message its room's seq key, clientMsgId key, budget key and recent set; see ADMIT. */
  chatAdmit(numberOfKeys: number, ...keysThenArgs: (string | number)[]): Promise<string[]>;
  /** KEYS: budget keys; see BUDGET. */
  chatBudget(numberOfKeys: number, ...keysThenArgs: (string | number)[]): Promise<string[]>;
  chatPresence(key: string, op: 'add' | 'remove', socketId: string, now: number, ttl: number, cap: number): Promise<number>;
  /** See RECEIPT. */
  chatReceipt(key: string, seq: number, windowMs: number, ttlSeconds: number): Promise<number>;
}

/** A pipeline on the command connection, with the admit script in it (a WAIT can follow it on the same node). */
export interface ScriptedPipeline extends ChainableCommander {
  chatAdmit(numberOfKeys: number, ...keysThenArgs: (string | number)[]): ScriptedPipeline;
}

export function withScripts(redis: RedisClient): ScriptedRedis {
  for (const [name, definition] of Object.entries(SCRIPTS)) redis.defineCommand(name, definition);
  return redis as ScriptedRedis;
}
