import type Redis from 'ioredis';

/*
 * Every Lua script the gateway runs, in one place: each is defined once on the command
 * connection (ioredis sends EVALSHA and falls back to EVAL after a SCRIPT FLUSH or a failover),
 * and called through the typed methods of ScriptedRedis.
 */

/**
 * Admits a gateway batch in one atomic step, message by message in order (its order is the seq
 * order). Per message, each a single command in the common case:
 * - the sender's send budget (GCRA: the key holds the instant the budget is next empty; a send
 *   that would take it more than `burst` intervals past now is refused with 'R' and the ms to
 *   wait, and takes no seq);
 * - the room's next seq (INCR). A message's floor is its room's last seq in MySQL. A room whose
 *   counter is missing (Redis lost it, or its first message) is numbered only from a floor read
 *   fresh from MySQL: with a floor from a cache, a new message could take the seq of a persisted
 *   one. Such a message gets '' back and no seq (the fresh run passes no budget key, so the
 *   budget is drawn once);
 * - its clientMsgId's record (SET NX GET, Redis 7): a retry finds the first attempt's record,
 *   gets 'E' and it, and gives the seq it drew back. A new message gets 'N' and its record.
 * Every 32nd seq also caps the room's set of not-yet-persisted messages and renews its TTL.
 * KEYS, per message: its room's seq key, its clientMsgId key and its sender's budget key ('' for
 * none), and its room's recent-message set.
 * ARGV: the record TTL (s), whether the floors are fresh ('1') or may be stale ('0'), now (ms),
 * the budget's emission interval (ms) and burst, the recent set's cap and TTL (s); then per
 * message its floor, id, createdAt and room id.
 */
const ADMIT = `
local now, interval, burst = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local out = {}
for i = 1, #KEYS / 4 do
  local seqKey, clientKey, budgetKey, recentKey = KEYS[4 * i - 3], KEYS[4 * i - 2], KEYS[4 * i - 1], KEYS[4 * i]
  local arg = 7 + 4 * (i - 1)
  if budgetKey ~= '' then
    local previous = redis.call('SET', budgetKey, now + interval, 'PX', interval, 'GET')
    local tat = tonumber(previous or '0')
    if tat > now then
      local nextTat = tat + interval
      if nextTat - now > burst * interval then
        redis.call('SET', budgetKey, previous, 'PX', tat - now)
        out[i] = 'R' .. (nextTat - now - burst * interval)
      else
        redis.call('SET', budgetKey, nextTat, 'PX', nextTat - now)
      end
    end
  end
  if out[i] == nil then
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
      local existing = clientKey ~= '' and redis.call('SET', clientKey, record, 'NX', 'GET', 'EX', ARGV[1])
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
  chatAdmit: { lua: ADMIT },
  chatPresence: { numberOfKeys: 1, lua: TOUCH },
} satisfies Record<string, { numberOfKeys?: number; lua: string }>;

/** The command connection with the scripts as commands. */
export interface ScriptedRedis extends Redis {
  /** KEYS: per message its room's seq key, clientMsgId key, budget key and recent set; see ADMIT. */
  chatAdmit(numberOfKeys: number, ...keysThenArgs: (string | number)[]): Promise<string[]>;
  chatPresence(key: string, op: 'add' | 'remove', socketId: string, now: number, ttl: number, cap: number): Promise<number>;
}

export function withScripts(redis: Redis): ScriptedRedis {
  for (const [name, definition] of Object.entries(SCRIPTS)) redis.defineCommand(name, definition);
  return redis as ScriptedRedis;
}
