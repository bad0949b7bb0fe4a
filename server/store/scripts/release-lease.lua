-- Gives a lease up, only if the owner asking still holds it.
-- KEYS[1]  the lease
-- ARGV[1]  the owner
-- returns  1 when released, 0 when it was not held by this owner
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
