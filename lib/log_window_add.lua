-- SPDX-License-Identifier: ISC
-- log_window_add.lua: lists one stored log in the log window (see
-- docs/redis-keys.md). Called with EVALSHA once per log, pipelined, only
-- after the log's document is in MongoDB; by the consumer for every vote
-- of a batch and by a rebuild for every document it reads back.
--
-- KEYS[1] <prefix>:logwin:all              zset, every score 0
-- KEYS[2] <prefix>:logwin:source:<source>  zset
-- KEYS[3] <prefix>:logwin:band:<band>      zset
-- KEYS[4] <prefix>:logwin:bands            set of the bands with a window
-- KEYS[5] <prefix>:logwin:cut              hash window key -> highest id
--                                          trimmed off it
-- ARGV[1] vote id (a ULID)
-- ARGV[2] band
-- ARGV[3] logs kept per window
-- ARGV[4] most bands with a window
-- ARGV[5] the member: "<vote id>\t<the log as JSON>", so members sort
--         by id, by time
--
-- A log whose id is listed already is not added again (whatever its
-- JSON), so a redelivered vote is never listed twice; one older than a
-- full window is added and trimmed again at once. Returns 1.

local keep = tonumber(ARGV[3])
local from, to = '[' .. ARGV[1] .. '\t', '(' .. ARGV[1] .. '\n'

local function add(key)
	if #redis.call('ZRANGEBYLEX', key, from, to, 'LIMIT', 0, 1) > 0 then
		return
	end
	redis.call('ZADD', key, 0, ARGV[5])
	local extra = redis.call('ZCARD', key) - keep
	if extra > 0 then
		-- Equal scores: ZPOPMIN takes the lowest members, the oldest.
		local gone = redis.call('ZPOPMIN', key, extra)
		local top = gone[#gone - 1]
		local cut = redis.call('HGET', KEYS[5], key)
		if not cut or top > cut then
			redis.call('HSET', KEYS[5], key, top)
		end
	end
end

add(KEYS[1])
add(KEYS[2])
if redis.call('SISMEMBER', KEYS[4], ARGV[2]) == 1 then
	add(KEYS[3])
elseif redis.call('SCARD', KEYS[4]) < tonumber(ARGV[4]) then
	redis.call('SADD', KEYS[4], ARGV[2])
	add(KEYS[3])
end
return 1
