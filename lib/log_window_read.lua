-- SPDX-License-Identifier: ISC
-- log_window_read.lua: one page of logs from the log window, newest
-- first, or nothing when the window cannot answer it exactly (see
-- docs/redis-keys.md). The log viewer calls it with EVAL.
--
-- KEYS[1] the window: <prefix>:logwin:all, :source:<s> or :band:<b>
-- KEYS[2] <prefix>:logwin:built            set once a rebuild finished
-- KEYS[3] <prefix>:logwin:bands
-- KEYS[4] <prefix>:logwin:cut
-- ARGV[1] band for a band window, "" otherwise
-- ARGV[2] "+" for the newest, or "(" .. cursor for the ids below it
-- ARGV[3] logs wanted (the page's limit + 1)
--
-- Returns {1, member, ...} when these are exactly the logs MongoDB's
-- "_id < cursor, newest first, limit" would give: the window was built,
-- and either the page is whole or nothing was ever trimmed off the
-- window (it holds every log of its kind). {0} means ask MongoDB.

if redis.call('EXISTS', KEYS[2]) == 0 then
	return {0}
end
if ARGV[1] ~= '' and redis.call('SISMEMBER', KEYS[3], ARGV[1]) == 0 then
	return {0}
end
local want = tonumber(ARGV[3])
local ids = redis.call('ZREVRANGEBYLEX', KEYS[1], ARGV[2], '-', 'LIMIT', 0,
    want)
if #ids < want and redis.call('HEXISTS', KEYS[4], KEYS[1]) == 1 then
	return {0}
end
table.insert(ids, 1, 1)
return ids
