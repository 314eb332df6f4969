-- SPDX-License-Identifier: ISC
-- log_window_add.lua: lists stored logs in the log window (see
-- docs/redis-keys.md). Called with EVALSHA once per chunk of up to
-- LW_CHUNK logs (lib/log_window.c), the chunks pipelined, only after
-- the logs' documents are in MongoDB; by the consumer for every vote of
-- a batch and by a rebuild for every document it reads back.
--
-- KEYS[1] <prefix>:logwin:all              zset, every score 0
-- KEYS[2] <prefix>:logwin:bands            set of the bands with a window
-- KEYS[3] <prefix>:logwin:cut              hash window key -> highest id
--                                          trimmed off it
-- KEYS[2 + 2i] <prefix>:logwin:source:<source of log i>   zset
-- KEYS[3 + 2i] <prefix>:logwin:band:<band of log i>       zset
-- ARGV[1] logs kept per window
-- ARGV[2] most bands with a window
-- ARGV[3i], ARGV[3i + 1], ARGV[3i + 2]: log i's vote id (a ULID), band,
--         and member "<vote id>\t<the log as JSON>", so members sort by
--         id, by time
--
-- Logs are taken in order. A log whose id is listed already (before, or
-- earlier in this call) is not added again (whatever its JSON), so a
-- redelivered vote is never listed twice: a log newer than every member
-- of a window cannot be in it, any other is looked up by its id (the
-- consumer sends a batch sorted by id, so new logs need no lookup).
-- Bands get a window in the order first seen until the limit. Each window touched is trimmed once,
-- at the end, to its newest ARGV[1] members: the same members as
-- trimming after every add (a log older than a full window is added and
-- trimmed again at once). Returns how many logs were added to KEYS[1].

local n = (#KEYS - 3) / 2
if n < 0 or n ~= math.floor(n) or #ARGV ~= 2 + 3 * n then
	return redis.error_reply('log_window_add: ' .. #KEYS .. ' keys, ' ..
	    #ARGV .. ' arguments')
end
local keep = tonumber(ARGV[1])
local bands_max = tonumber(ARGV[2])

-- The windows added to, in the order first touched.
local touched, order = {}, {}
-- The newest id in each window (false: empty), read once per call.
local newest = {}

local function newest_of(key)
	local top = newest[key]
	if top == nil then
		local last = redis.call('ZRANGE', key, -1, -1)
		top = false
		if last[1] then
			local tab = string.find(last[1], '\t', 1, true)
			top = string.sub(last[1], 1, (tab or 0) - 1)
		end
		newest[key] = top
	end
	return top
end

local function add(key, id, member)
	local top = newest_of(key)
	if top and id <= top then
		if id == top or #redis.call('ZRANGEBYLEX', key,
		    '[' .. id .. '\t', '(' .. id .. '\n', 'LIMIT', 0, 1) > 0 then
			return 0
		end
	else
		newest[key] = id
	end
	redis.call('ZADD', key, 0, member)
	if not touched[key] then
		touched[key] = true
		order[#order + 1] = key
	end
	return 1
end

local function trim(key)
	local extra = redis.call('ZCARD', key) - keep
	if extra > 0 then
		-- Equal scores: ZPOPMIN takes the lowest members, the oldest.
		local gone = redis.call('ZPOPMIN', key, extra)
		local top = gone[#gone - 1]
		local cut = redis.call('HGET', KEYS[3], key)
		if not cut or top > cut then
			redis.call('HSET', KEYS[3], key, top)
		end
	end
end

-- Whether a band has a window, asked once per band and call.
local windowed = {}
local function has_window(band)
	local w = windowed[band]
	if w == nil then
		if redis.call('SISMEMBER', KEYS[2], band) == 1 then
			w = true
		elseif redis.call('SCARD', KEYS[2]) < bands_max then
			redis.call('SADD', KEYS[2], band)
			w = true
		else
			w = false
		end
		windowed[band] = w
	end
	return w
end

local listed = 0
for i = 1, n do
	local id, band, member = ARGV[3 * i], ARGV[3 * i + 1], ARGV[3 * i + 2]
	listed = listed + add(KEYS[1], id, member)
	add(KEYS[2 + 2 * i], id, member)
	if has_window(band) then
		add(KEYS[3 + 2 * i], id, member)
	end
end
for _, key in ipairs(order) do
	trim(key)
end
return listed
