#!lua
-- Queues one notification, once ever: the dedupe marker and the queue entry are set together.
-- KEYS[1]  string: the dedupe marker of (alert, transition, channel), with a TTL
-- KEYS[2]  hash: notification id → notification JSON
-- KEYS[3]  zset: pending notifications by creation (the bounded queue)
-- KEYS[4]  zset: pending notifications by next attempt (what the workers claim)
-- KEYS[5]  zset: every notification by creation (the delivery log)
-- ARGV[1]  notification id
-- ARGV[2]  notification JSON
-- ARGV[3]  created at, epoch ms
-- ARGV[4]  the marker's TTL in seconds
-- ARGV[5]  most pending notifications
-- ARGV[6]  when the workers may take it, epoch ms: its creation, or the end of a lease when the caller
--          delivers it now (a test: the workers take it only if the caller dies); '' when it is only
--          logged (skipped)
-- returns  { 1, dropped } when queued, { 0, '' } for a duplicate; `dropped` is the id of the oldest
--          pending notification pushed out to make room ('' when there was room): the caller marks it.
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[4]) then
  return { 0, '' }
end
local dropped = ''
if ARGV[6] ~= '' then
  if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[5]) then
    local oldest = redis.call('ZRANGE', KEYS[3], 0, 0)[1]
    if oldest then
      redis.call('ZREM', KEYS[3], oldest)
      redis.call('ZREM', KEYS[4], oldest)
      dropped = oldest
    end
  end
  redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
  redis.call('ZADD', KEYS[4], ARGV[6], ARGV[1])
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[5], ARGV[3], ARGV[1])
return { 1, dropped }
