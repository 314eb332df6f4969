-- SPDX-License-Identifier: ISC
-- swap.lua: marimba-audit rebuild-redis, the atomic swap. The rebuilt
-- tallies gain what the consumers counted live since the boundary
-- (live minus the snapshot taken at the boundary) and replace the live
-- keys; the rebuilt series gains the live entries from the boundary's
-- second on. One script: count_vote.lua and series_flush.lua cannot
-- run in between.
--
-- KEYS[1..4]   live total, bands, albums, sources
-- KEYS[5..8]   rebuilt (temporary) total, bands, albums, sources
-- KEYS[9..12]  snapshot at the boundary of total, bands, albums, sources
-- KEYS[13]     live series stream    KEYS[14] rebuilt series stream
-- KEYS[15]     <prefix>:sec:<s0>, the bucket of the boundary's second
-- ARGV[1] s0, the boundary's second
-- ARGV[2..4] the bucket's total, rest, grpc at the boundary
-- ARGV[5] series MAXLEN   ARGV[6] "1" to swap the series too
-- Returns the new total.

local d = tonumber(redis.call('GET', KEYS[1]) or '0') -
    tonumber(redis.call('GET', KEYS[9]) or '0')
local total = redis.call('INCRBY', KEYS[5], d)
redis.call('RENAME', KEYS[5], KEYS[1])

for k = 2, 4 do
	local live = redis.call('HGETALL', KEYS[k])
	for i = 1, #live, 2 do
		local diff = tonumber(live[i + 1]) -
		    tonumber(redis.call('HGET', KEYS[k + 8], live[i]) or '0')
		if diff ~= 0 then
			redis.call('HINCRBY', KEYS[k + 4], live[i], diff)
		end
	end
	if redis.call('EXISTS', KEYS[k + 4]) == 1 then
		redis.call('RENAME', KEYS[k + 4], KEYS[k])
	else
		redis.call('DEL', KEYS[k])
	end
end

if ARGV[6] == '1' then
	local s0 = tonumber(ARGV[1])
	local b = { total = tonumber(ARGV[2]), rest = tonumber(ARGV[3]),
	    grpc = tonumber(ARGV[4]) }
	local had_s0 = false
	local live = redis.call('XRANGE', KEYS[13], (s0 * 1000) .. '-0', '+')
	for _, e in ipairs(live) do
		local f = e[2]
		local s = math.floor(tonumber(string.match(e[1], '^(%d+)-')) /
		    1000)
		local args = {}
		for i = 1, #f, 2 do
			local v = tonumber(f[i + 1])
			if s == s0 and b[f[i]] then
				v = v - b[f[i]]
			end
			args[#args + 1] = f[i]
			args[#args + 1] = tostring(v)
		end
		if s == s0 then
			had_s0 = true
		end
		redis.call('XADD', KEYS[14], e[1], unpack(args))
	end
	-- Not flushed yet: the flusher will write s0 from the bucket.
	if not had_s0 and redis.call('EXISTS', KEYS[15]) == 1 then
		for name, v in pairs(b) do
			if v ~= 0 then
				redis.call('HINCRBY', KEYS[15], name, -v)
			end
		end
	end
	if redis.call('EXISTS', KEYS[14]) == 1 then
		redis.call('XTRIM', KEYS[14], 'MAXLEN', '~', ARGV[5])
		redis.call('RENAME', KEYS[14], KEYS[13])
	else
		redis.call('DEL', KEYS[13])
	end
end

redis.call('DEL', KEYS[9], KEYS[10], KEYS[11], KEYS[12])
return total
