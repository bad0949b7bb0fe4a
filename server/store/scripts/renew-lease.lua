-- Renews a lease its owner holds, or takes it when nobody does.
-- KEYS[1]  the lease
-- ARGV[1]  the owner asking
-- ARGV[2]  time to live, ms
-- returns  1 when the owner holds the lease now (renewed or taken), 0 when another owner does
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if holder then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
