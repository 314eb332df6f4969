-- SPDX-License-Identifier: ISC
-- series_flush.lua: moves sealed per-second buckets into the series
-- stream, one XADD per second with the explicit id <unix_s * 1000>-0.
-- Every replica of marimba-consumer runs it about once a second; scripts
-- run atomically, so each second is written exactly once whoever gets
-- there first.
--
-- KEYS[1] <prefix>:series           the stream Grafana reads (XRANGE)
-- ARGV[1] bucket key prefix "<prefix>:sec:"
-- ARGV[2] MAXLEN of the stream (approximate trim, "~")
-- ARGV[3] seconds after which a bucket is sealed (count_vote.lua uses
--         the same clock, so nothing is added to a sealed second)
-- ARGV[4] most seconds written in one call: the buckets' TTL, older
--         buckets are gone anyway. With an empty stream the script looks
--         back 60 seconds only (a fresh prefix).
--
-- Seconds without votes get an entry with zeros, so the graph drops to
-- zero instead of drawing a line over the gap. Returns entries added.

local now = tonumber(redis.call('TIME')[1])
local sealed = now - tonumber(ARGV[3])
local from = sealed - 59
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if #last > 0 then
	local ms = tonumber(string.match(last[1][1], '^(%d+)-'))
	from = math.max(math.floor(ms / 1000) + 1,
	    sealed - tonumber(ARGV[4]) + 1)
end

local added = 0
for s = from, sealed do
	local bucket = ARGV[1] .. s
	local h = redis.call('HMGET', bucket, 'total', 'rest', 'grpc')
	redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], (s * 1000) .. '-0',
	    'total', h[1] or '0', 'rest', h[2] or '0', 'grpc', h[3] or '0')
	redis.call('DEL', bucket)
	added = added + 1
end
return added
