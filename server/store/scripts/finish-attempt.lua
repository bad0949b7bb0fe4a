-- Records an attempt's outcome: the notification's new JSON, and either its next attempt or its end.
-- KEYS[1]  hash: notification id → notification JSON
-- KEYS[2]  zset: pending notifications by creation
-- KEYS[3]  zset: pending notifications by next attempt
-- ARGV[1]  notification id
-- ARGV[2]  notification JSON
-- ARGV[3]  next attempt, epoch ms; '' when it is finished (delivered or failed)
-- returns  1, or 0 (and nothing written) when it is no longer pending: pushed out of a full queue meanwhile
if not redis.call('ZSCORE', KEYS[2], ARGV[1]) then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if ARGV[3] == '' then
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('ZREM', KEYS[3], ARGV[1])
else
  redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
end
return 1
