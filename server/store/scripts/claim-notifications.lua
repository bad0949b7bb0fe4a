-- Claims the notifications due now for one worker: their next attempt moves to the end of a lease,
-- so no other process takes them meanwhile, and one whose process died is due again after it.
-- KEYS[1]  zset: pending notifications by next attempt
-- ARGV[1]  now, epoch ms
-- ARGV[2]  the lease's end, epoch ms
-- ARGV[3]  most to claim
-- returns  the claimed notification ids
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(ids) do
  redis.call('ZADD', KEYS[1], 'XX', ARGV[2], id)
end
return ids
