-- SPDX-License-Identifier: ISC
-- wrk script for bench/rest-bench: POSTs one seed vote per request
-- (rotating over a few Guatemalan bands) to /api/votes and prints one
-- machine-readable RESULT line at the end.
local votes = {
	'{"name":"Malacates Trebol Shop","album":"Nino Rata",' ..
	    '"year":2011,"rank":1}',
	'{"name":"Bohemia Suburbana","album":"Mi Vida","year":1995,"rank":2}',
	'{"name":"Alux Nahual","album":"Alux Nahual","year":1982,"rank":3}',
	'{"name":"Viernes Verde","album":"Viernes Verde","year":2005,"rank":4}',
	'{"name":"Easy Easy","album":"Tierra Firme","year":2014,"rank":5}',
}
local i = 0

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

request = function()
	i = i % #votes + 1
	return wrk.format(nil, wrk.path, nil, votes[i])
end

done = function(summary, latency, requests)
	local secs = summary.duration / 1e6
	local bad = summary.errors.status + summary.errors.connect +
	    summary.errors.read + summary.errors.write + summary.errors.timeout
	io.write(string.format(
	    "RESULT requests=%d rps=%.0f p50_ms=%.2f p99_ms=%.2f errors=%d\n",
	    summary.requests, summary.requests / secs,
	    latency:percentile(50) / 1000, latency:percentile(99) / 1000, bad))
end
