-- SPDX-License-Identifier: ISC
-- absorb.lua: marimba-audit rebuild-redis, one batch of MongoDB logs into
-- the temporary tallies, each vote at most once, never one the live
-- counters already count after the boundary (see docs/operations.md,
-- "How rebuild-redis avoids double counting").
--
-- KEYS[1..4] temporary total, bands, albums, sources
-- KEYS[5..]  <prefix>:seen:<id> of each log of the batch
-- ARGV[1] this run's token (the value of a dedupe key it has taken)
-- ARGV[2] dedupe TTL in seconds (MARIMBA_DEDUPE_TTL_S, the consumer's)
-- ARGV[3] boundary, Redis milliseconds: count_vote.lua calls from then
--         on go to the live counters and are carried over by swap.lua
-- ARGV[4..] band, "<band> — <album>", source of each log, in order
--
-- A dedupe key's set time is its PEXPIRETIME minus the TTL:
-- count_vote.lua sets it with EX <ttl> and nothing changes it after.
-- Returns per log: 1 counted here, 0 counted live after the boundary,
-- 2 already counted by this run.

local token = ARGV[1]
local ttl = tonumber(ARGV[2])
local ttl_ms = ttl * 1000
local boundary = tonumber(ARGV[3])
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local out = {}

for i = 5, #KEYS do
	local a = 4 + (i - 5) * 3
	local r = 1
	local v = redis.call('GET', KEYS[i])
	if v == token then
		r = 2
	elseif not v then
		redis.call('SET', KEYS[i], token, 'EX', ttl)
	else
		local e = redis.call('PEXPIRETIME', KEYS[i])
		if e >= 0 and e - ttl_ms > now_ms + 1000 then
			return redis.error_reply('TTL: ' .. KEYS[i] ..
			    ' has a longer TTL than MARIMBA_DEDUPE_TTL_S')
		end
		if e >= 0 and e - ttl_ms >= boundary then
			r = 0
		else
			redis.call('SET', KEYS[i], token, 'KEEPTTL')
		end
	end
	if r == 1 then
		redis.call('INCR', KEYS[1])
		redis.call('HINCRBY', KEYS[2], ARGV[a], 1)
		redis.call('HINCRBY', KEYS[3], ARGV[a + 1], 1)
		redis.call('HINCRBY', KEYS[4], ARGV[a + 2], 1)
	end
	out[#out + 1] = r
end
return out
