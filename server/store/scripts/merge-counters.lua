#!lua
-- Adds counters into rows of a hash, number by number (maps too): an archived interval grows by
-- what a late event adds to it, instead of being overwritten by the late part alone.
-- KEYS[1]  the hash
-- ARGV     pairs: field, counters JSON
-- returns  the number of rows written
local function add(into, from)
  for k, v in pairs(from) do
    if type(v) == 'table' then
      if type(into[k]) ~= 'table' then into[k] = {} end
      add(into[k], v)
    elseif type(v) == 'number' then
      into[k] = (tonumber(into[k]) or 0) + v
    end
  end
end
for i = 1, #ARGV, 2 do
  local row = cjson.decode(ARGV[i + 1])
  local existing = redis.call('HGET', KEYS[1], ARGV[i])
  if existing then
    local merged = cjson.decode(existing)
    add(merged, row)
    row = merged
  end
  redis.call('HSET', KEYS[1], ARGV[i], cjson.encode(row))
end
return #ARGV / 2
