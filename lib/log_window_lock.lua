-- SPDX-License-Identifier: ISC
-- log_window_lock.lua: the rebuild's lock (see docs/redis-keys.md).
--
-- KEYS[1] <prefix>:logwin:rebuild    the rebuilder's token, with a TTL
-- KEYS[2] <prefix>:logwin:built
-- ARGV[1] "take", "keep" or "done"
-- ARGV[2] this rebuilder's token
-- ARGV[3] lock TTL in milliseconds
--
-- take: 1 if the window is missing and nobody else is rebuilding it (the
--       lock is now ours), 0 otherwise.
-- keep: 1 if the lock is still ours (its TTL is renewed), 0 if it was
--       lost (expired, or Redis lost its data again: FLUSHALL).
-- done: 1 if the lock was still ours: the window is marked built and the
--       lock released. 0: the rebuild is void and must start over.

local op = ARGV[1]
if op == 'take' then
	if redis.call('EXISTS', KEYS[2]) == 1 then
		return 0
	end
	if redis.call('SET', KEYS[1], ARGV[2], 'NX', 'PX', ARGV[3]) then
		return 1
	end
	return 0
end
if redis.call('GET', KEYS[1]) ~= ARGV[2] then
	return 0
end
if op == 'keep' then
	redis.call('PEXPIRE', KEYS[1], ARGV[3])
	return 1
end
redis.call('SET', KEYS[2], '1')
redis.call('DEL', KEYS[1])
return 1
