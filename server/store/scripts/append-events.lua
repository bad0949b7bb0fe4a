#!lua
-- Appends accepted events to the log, once per id.
-- KEYS[1]  set of every accepted event id
-- KEYS[2]  the event stream (append-only log)
-- ARGV     pairs: event id, event JSON
-- returns  { accepted, duplicates, flags } where flags is a string with one character per pair:
--          '1' appended, '0' duplicate (an id already stored, or repeated earlier in this batch)
-- One script so that the id check and the append are atomic: two processes receiving the same
-- retry can never both append it. The shebang makes Redis refuse the whole script up front when
-- it is out of memory, instead of failing halfway through a batch.
local accepted, duplicates = 0, 0
local flags = {}
for i = 1, #ARGV, 2 do
  if redis.call('SADD', KEYS[1], ARGV[i]) == 1 then
    redis.call('XADD', KEYS[2], '*', 'e', ARGV[i + 1])
    accepted = accepted + 1
    flags[#flags + 1] = '1'
  else
    duplicates = duplicates + 1
    flags[#flags + 1] = '0'
  end
end
return { accepted, duplicates, table.concat(flags) }
