-- SPDX-License-Identifier: ISC
-- log_window_add.lua: lists stored logs in the log window (see
-- docs/redis-keys.md). Called with EVALSHA once per chunk of up to
-- LW_CHUNK logs (lib/log_window.c), the chunks pipelined, only after
-- the logs' documents are in MongoDB; by the consumer for every vote of
-- a batch and by a rebuild for every document it reads back.
--
-- KEYS[1] <prefix>:logwin:bands            set of the bands with a window
-- KEYS[2] <prefix>:logwin:cut              hash window key -> highest id
--                                          trimmed off it
-- KEYS[1 + 2i] <prefix>:logwin:source:<source of log i>   zset, scores 0
-- KEYS[2 + 2i] <prefix>:logwin:band:<band of log i>       zset, scores 0
-- ARGV[1] logs kept per window
-- ARGV[2] most bands with a window
-- ARGV[3i], ARGV[3i + 1], ARGV[3i + 2]: log i's vote id (a ULID), band,
--         and member "<vote id>\t<the log as JSON>", so members sort by
--         id, by time
--
-- Logs are taken in order. A log whose id is listed already (before, or
-- earlier in this call) is not added again to a window (whatever its
-- JSON), so a redelivered vote is never listed twice. Bands get a window
-- in the order first listed until the limit. At the end each window
-- gets its new members with one ZADD and is trimmed once to its newest
-- ARGV[1] members: the same members as adding and trimming one log at a
-- time (a log older than a full window is added and trimmed again at
-- once). Returns how many logs were added to their source window (every
-- log has one; there is no window of all logs: readers merge the two
-- source windows).
--
-- Each redis.call costs Redis several microseconds besides the work,
-- and lookups by id are most of them, so they are skipped where they
-- cannot find anything: a log newer than a window's newest member is
-- not in it; and a log not in its source window and newer than that
-- window's cut mark was never listed (each call lists a log in all its
-- windows, and only a trim removes a member, the lowest ones, never
-- above the cut), so it is in none of its windows. The consumer sends
-- a batch in id order, so a new log is usually newer than every member:
-- no lookup at all.

local n = (#KEYS - 2) / 2
if n < 0 or n ~= math.floor(n) or #ARGV ~= 2 + 3 * n then
	return redis.error_reply('log_window_add: ' .. #KEYS .. ' keys, ' ..
	    #ARGV .. ' arguments')
end
local keep = tonumber(ARGV[1])
local bands_max = tonumber(ARGV[2])

-- The id of a member "<id>\t<JSON>".
local function id_of(member)
	local tab = string.find(member, '\t', 1, true)
	return string.sub(member, 1, (tab or 0) - 1)
end

-- The newest id stored in each window (false: empty), read once per
-- call.
local newest = {}
local function newest_of(key)
	local top = newest[key]
	if top == nil then
		local last = redis.call('ZRANGE', key, -1, -1)
		top = last[1] and id_of(last[1]) or false
		newest[key] = top
	end
	return top
end

-- What this call adds, per window: ZADD's arguments and the ids; the
-- windows in the order first added to. Added at the end, one ZADD each.
local adds, pending, order = {}, {}, {}

-- Whether window key lists id (or will, by this call).
local function has(key, id)
	local p = pending[key]
	if p and p[id] then
		return true
	end
	local top = newest_of(key)
	if not top or id > top then
		return false
	end
	return id == top or #redis.call('ZRANGEBYLEX', key,
	    '[' .. id .. '\t', '(' .. id .. '\n', 'LIMIT', 0, 1) > 0
end

local function put(key, id, member)
	local a = adds[key]
	if a == nil then
		a = {}
		adds[key] = a
		pending[key] = {}
		order[#order + 1] = key
	end
	-- The score as a string: redis.call formats a Lua number with
	-- snprintf("%.17g"), 5% of Redis's time here when it was 0.
	a[#a + 1] = '0'
	a[#a + 1] = member
	pending[key][id] = true
end

local function trim(key)
	local extra = redis.call('ZCARD', key) - keep
	if extra > 0 then
		-- Equal scores: rank order is member order, the oldest first.
		-- Only the highest member trimmed is read: handing Lua every
		-- trimmed member (ZPOPMIN) cost more than the ZADD.
		local top = redis.call('ZRANGE', key, extra - 1, extra - 1)[1]
		redis.call('ZREMRANGEBYRANK', key, 0, extra - 1)
		local cut = redis.call('HGET', KEYS[2], key)
		if not cut or top > cut then
			redis.call('HSET', KEYS[2], key, top)
		end
	end
end

-- Whether a band has a window, asked once per band and call.
local windowed = {}
local function has_window(band)
	local w = windowed[band]
	if w == nil then
		if redis.call('SISMEMBER', KEYS[1], band) == 1 then
			w = true
		elseif redis.call('SCARD', KEYS[1]) < bands_max then
			redis.call('SADD', KEYS[1], band)
			w = true
		else
			w = false
		end
		windowed[band] = w
	end
	return w
end

-- The id of the highest member ever trimmed off each source window
-- (false: none), read once per call.
local cuts = {}
local function cut_of(key)
	local c = cuts[key]
	if c == nil then
		c = redis.call('HGET', KEYS[2], key)
		c = c and id_of(c) or false
		cuts[key] = c
	end
	return c
end

local listed = 0
for i = 1, n do
	local id, band, member = ARGV[3 * i], ARGV[3 * i + 1], ARGV[3 * i + 2]
	local source, bandkey = KEYS[1 + 2 * i], KEYS[2 + 2 * i]
	local seen = has(source, id)
	if not seen then
		put(source, id, member)
		listed = listed + 1
	end
	-- Never listed: in none of its windows.
	local cut = cut_of(source)
	local new = not seen and not (cut and id <= cut)
	if has_window(band) and (new or not has(bandkey, id)) then
		put(bandkey, id, member)
	end
end
for _, key in ipairs(order) do
	redis.call('ZADD', key, unpack(adds[key]))
	trim(key)
end
return listed
