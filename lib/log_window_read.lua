-- SPDX-License-Identifier: ISC
-- log_window_read.lua: one page of logs from the log window, newest
-- first, or nothing when the window cannot answer it exactly (see
-- docs/redis-keys.md). The log viewer calls it with EVAL.
--
-- KEYS[1] <prefix>:logwin:built            set once a rebuild finished
-- KEYS[2] <prefix>:logwin:bands
-- KEYS[3] <prefix>:logwin:cut
-- KEYS[4], ... the windows whose logs make the page: one band or source
--         window, or both source windows for the page of every log
-- ARGV[1] band for a band window, "" otherwise
-- ARGV[2] "+" for the newest, or "(" .. cursor for the ids below it
-- ARGV[3] logs wanted (the page's limit + 1)
--
-- Returns {1, member, ...} when these are exactly the logs MongoDB's
-- "_id < cursor, newest first, limit" would give: the window was built,
-- and each window holds every log of its kind that the page needs (it
-- gave all that was asked of it, or nothing was ever trimmed off it, or
-- what was is older than the page's last log). {0} means ask MongoDB.

if redis.call('EXISTS', KEYS[1]) == 0 then
	return {0}
end
if ARGV[1] ~= '' and redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 0 then
	return {0}
end
local want = tonumber(ARGV[3])
local lists = {}
for k = 4, #KEYS do
	lists[#lists + 1] = redis.call('ZREVRANGEBYLEX', KEYS[k], ARGV[2], '-',
	    'LIMIT', 0, want)
end

-- The newest want of them all: members start with their id, so they
-- compare as ids do.
local page = lists[1]
if #lists > 1 then
	page = {}
	local at = {}
	for k = 1, #lists do
		at[k] = 1
	end
	while #page < want do
		local best
		for k = 1, #lists do
			local m = lists[k][at[k]]
			if m and (not best or m > lists[best][at[best]]) then
				best = k
			end
		end
		if not best then
			break
		end
		page[#page + 1] = lists[best][at[best]]
		at[best] = at[best] + 1
	end
end

-- A window that ran out below the cursor may have lost older logs to a
-- trim: the page is exact only if all of those are older than its last.
for k = 1, #lists do
	if #lists[k] < want then
		local cut = redis.call('HGET', KEYS[3], KEYS[3 + k])
		if cut and (#page < want or page[want] <= cut) then
			return {0}
		end
	end
end
table.insert(page, 1, 1)
return page
