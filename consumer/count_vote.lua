-- SPDX-License-Identifier: ISC
-- count_vote.lua: counts one vote in Redis exactly once (see
-- docs/redis-keys.md). marimba-consumer loads it with SCRIPT LOAD and
-- calls it with EVALSHA, one call per vote, pipelined per batch.
--
-- KEYS[1] <prefix>:seen:<vote id>   dedupe marker (SET NX EX)
-- KEYS[2] <prefix>:total            string counter
-- KEYS[3] <prefix>:bands            hash band -> votes
-- KEYS[4] <prefix>:albums           hash "<band> — <album>" -> votes
-- KEYS[5] <prefix>:sources          hash source -> votes
-- ARGV[1] dedupe TTL in seconds
-- ARGV[2] band, ARGV[3] "<band> — <album>", ARGV[4] source
-- ARGV[5] per-second bucket key prefix "<prefix>:sec:"
-- ARGV[6] bucket TTL in seconds
--
-- Returns 1 when the vote was counted now, 0 when it had been before.
-- The bucket second is the Redis server's clock at the time the vote is
-- counted, so every replica agrees on it and series_flush.lua can tell
-- when a second is sealed.

if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
	return 0
end
redis.call('INCR', KEYS[2])
redis.call('HINCRBY', KEYS[3], ARGV[2], 1)
redis.call('HINCRBY', KEYS[4], ARGV[3], 1)
redis.call('HINCRBY', KEYS[5], ARGV[4], 1)

local now = redis.call('TIME')
local bucket = ARGV[5] .. now[1]
redis.call('HINCRBY', bucket, 'total', 1)
redis.call('HINCRBY', bucket, ARGV[4], 1)
redis.call('EXPIRE', bucket, ARGV[6])
return 1
