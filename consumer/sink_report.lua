-- SPDX-License-Identifier: ISC
-- A sink process's lag report for the log viewer (lib/sink_lag.h,
-- docs/redis-keys.md), written once a second by consumer/sink_report.c.
-- KEYS[1]  <prefix>:sinks, a hash
-- ARGV[1]  the process's field, "<sink>:<host>:<pid>"
-- ARGV[2]  lag_ms: age of the oldest vote the sink's store lacks
-- ARGV[3]  newest_ms: Kafka time of the newest vote it stored
-- ARGV[4]  keep_ms: fields of the same sink older than this are removed
--          (processes that are gone)
-- The value is "<at_ms> <lag_ms> <newest_ms>" with at_ms Redis's own
-- clock, so readers on other hosts compare it with TIME, not theirs.
-- Returns at_ms.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lag = tonumber(ARGV[2])
local newest = tonumber(ARGV[3])
local keep = tonumber(ARGV[4])
if lag == nil or newest == nil or keep == nil then
	return redis.error_reply('sink_report: bad arguments')
end
redis.call('HSET', KEYS[1], ARGV[1], string.format('%.0f %.0f %.0f', now,
    lag, newest))
local kind = string.match(ARGV[1], '^[^:]+:')
if kind ~= nil then
	local all = redis.call('HGETALL', KEYS[1])
	for i = 1, #all, 2 do
		if string.sub(all[i], 1, #kind) == kind then
			local at = tonumber(string.match(all[i + 1], '^%d+'))
			if at == nil or now - at > keep then
				redis.call('HDEL', KEYS[1], all[i])
			end
		end
	end
end
return now
