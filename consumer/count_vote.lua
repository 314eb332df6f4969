-- SPDX-License-Identifier: ISC
-- count_vote.lua: counts votes in Redis, each exactly once (see
-- docs/redis-keys.md). marimba-consumer loads it with SCRIPT LOAD and
-- calls it with EVALSHA, one call per chunk of a batch (up to
-- REDIS_COUNT_CHUNK votes, redis_store.c), the chunks pipelined.
--
-- KEYS[1] <prefix>:total            string counter
-- KEYS[2] <prefix>:bands            hash band -> votes
-- KEYS[3] <prefix>:albums           hash "<band> — <album>" -> votes
-- KEYS[4] <prefix>:sources          hash source -> votes
-- KEYS[4 + i] <prefix>:seen:<id of vote i>   dedupe marker (SET NX EX)
-- ARGV[1] dedupe TTL in seconds
-- ARGV[2] per-second bucket key prefix "<prefix>:sec:"
-- ARGV[3] bucket TTL in seconds
-- ARGV[4 + 3(i-1)], ARGV[5 + 3(i-1)], ARGV[6 + 3(i-1)]: band,
--         "<band> — <album>" and source of vote i
--
-- Votes are taken in order: the first one whose dedupe key is new is
-- counted, any other with that id (in this call or an earlier one) is
-- not. The increments of the counted votes are summed per key and field
-- and applied at the end, fields in the order first seen, which leaves
-- the same tallies as one vote at a time. Returns a string of one
-- character per vote: "1" counted now, "0" counted before.
-- The bucket second is the Redis server's clock when the call runs (one
-- call is atomic), so every replica agrees on it and series_flush.lua
-- can tell when a second is sealed.

local n = #KEYS - 4
if n < 0 or #ARGV ~= 3 + 3 * n then
	return redis.error_reply('count_vote: ' .. n ..
	    ' votes but ' .. #ARGV .. ' arguments')
end

-- Sums per field, and the fields in the order first seen.
local function tally()
	return { sum = {}, order = {} }
end
local function bump(t, field)
	local c = t.sum[field]
	if c == nil then
		t.order[#t.order + 1] = field
		t.sum[field] = 1
	else
		t.sum[field] = c + 1
	end
end
local function apply(t, key)
	for _, field in ipairs(t.order) do
		redis.call('HINCRBY', key, field, t.sum[field])
	end
end

local bands, albums, sources = tally(), tally(), tally()
local fresh = {}
local counted = 0
for i = 1, n do
	if redis.call('SET', KEYS[4 + i], '1', 'NX', 'EX', ARGV[1]) then
		local a = 3 * i
		bump(bands, ARGV[a + 1])
		bump(albums, ARGV[a + 2])
		bump(sources, ARGV[a + 3])
		counted = counted + 1
		fresh[i] = '1'
	else
		fresh[i] = '0'
	end
end
if counted == 0 then
	return table.concat(fresh)
end

redis.call('INCRBY', KEYS[1], counted)
apply(bands, KEYS[2])
apply(albums, KEYS[3])
apply(sources, KEYS[4])

local now = redis.call('TIME')
local bucket = ARGV[2] .. now[1]
redis.call('HINCRBY', bucket, 'total', counted)
apply(sources, bucket)
redis.call('EXPIRE', bucket, ARGV[3])
return table.concat(fresh)
