// SPDX-License-Identifier: ISC
// Integration test of the log viewer through the real pipeline: votes
// POSTed to Kore and cast over gRPC go through Kafka to the consumer,
// which writes Redis and MongoDB; then the page, /api/logs, /api/votes
// and /metrics must show exactly them.
import assert from 'node:assert/strict';

import { BANDS, Pipeline, XSS_ALBUM, XSS_BAND, makeVote, runChecks,
    waitFor }
    from './harness.mjs';

const N_REST = 120;
const N_GRPC = 30;
const N = N_REST + N_GRPC + 1;	// + the XSS vote

// The Grafana link has characters that must be escaped in an attribute.
const pl = new Pipeline('webtest', {
	MARIMBA_GRAFANA_URL: 'https://grafana.example/d/x?a=1&b="<x>',
});
const state = {};

function pageIds(html) {
	const logs = html.slice(html.indexOf('id="logs"'));
	return [...logs.matchAll(/<tr data-id="([0-9A-Z]{26})">/g)]
	    .map((m) => m[1]);
}

async function pageAll(query, limit) {
	const seen = [];
	let next = null;
	let pages = 0;
	do {
		const q = `limit=${limit}${query}` +
		    (next ? `&before=${next}` : '');
		const { status, body } = await pl.getJson(`/api/logs?${q}`);
		assert.equal(status, 200, JSON.stringify(body));
		assert.ok(body.logs.length <= limit);
		seen.push(...body.logs);
		next = body.next;
		if (next !== null)
			assert.equal(next, body.logs.at(-1)._id);
		pages++;
		assert.ok(pages < 1000, 'paging does not end');
	} while (next !== null);
	return seen;
}

async function setup() {
	await pl.startKore();
	const votes = Array.from({ length: N_REST }, (_, i) => makeVote(i));
	// The first POST also creates the run's topic.
	const restIds = await pl.postVotes(votes, 40);
	const xssIds = await pl.postVotes([{ name: XSS_BAND, album: XSS_ALBUM,
	    year: 2001, rank: 7 }]);
	await pl.startGrpc();
	const gvotes = Array.from({ length: N_GRPC }, (_, i) =>
	    makeVote(1000 + i));
	const grpcIds = pl.castGrpc(gvotes);
	assert.equal(grpcIds.length, N_GRPC);
	pl.startConsumer();
	const tallies = await pl.waitTotal(N);
	// The consumer counts a batch in Redis before it inserts the logs
	// into MongoDB: wait for both, or the first checks race the insert.
	await waitFor(`${N} logs stored`, async () =>
	    (await pageAll('', 100)).length === N, 60000, 300);

	const expected = { bands: {}, albums: {}, rest: N_REST + 1,
	    grpc: N_GRPC };
	for (const v of [...votes, ...gvotes, { name: XSS_BAND,
	    album: XSS_ALBUM }]) {
		expected.bands[v.name] = (expected.bands[v.name] ?? 0) + 1;
		const a = `${v.name} — ${v.album}`;
		expected.albums[a] = (expected.albums[a] ?? 0) + 1;
	}
	Object.assign(state, { restIds, grpcIds, xssIds, tallies, expected,
	    allIds: [...restIds, ...xssIds, ...grpcIds].sort().reverse(),
	    votes, gvotes });
	return state;
}

const checks = [
	['GET /api/votes: totals, bands, albums and sources', async (s) => {
		const { status, body } = await pl.getJson('/api/votes');
		assert.equal(status, 200);
		assert.equal(body.total, N);
		assert.deepEqual(body.bands, s.expected.bands);
		assert.deepEqual(body.albums, s.expected.albums);
		assert.deepEqual(body.sources, { rest: s.expected.rest,
		    grpc: s.expected.grpc });
	}],
	['/api/logs pages through all votes, newest first, no gap or repeat',
	    async (s) => {
		const logs = await pageAll('', 7);
		const ids = logs.map((l) => l._id);
		assert.equal(ids.length, N);
		assert.equal(new Set(ids).size, N);
		assert.deepEqual(ids, s.allIds);
		const x = logs.find((l) => l._id === s.xssIds[0]);
		assert.equal(x.name, XSS_BAND);
		assert.equal(x.album, XSS_ALBUM);
		assert.equal(x.year, 2001);
		assert.equal(x.rank, 7);
		assert.equal(x.source, 'rest');
		assert.match(x.accepted_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
		// A page exactly as long as what is left ends with null.
		const r = await pl.getJson(`/api/logs?source=grpc&limit=${N_GRPC}`);
		assert.equal(r.body.logs.length, N_GRPC);
		assert.equal(r.body.next, null);
		const r2 = await pl.getJson(`/api/logs?source=grpc&limit=${
		    N_GRPC - 1}`);
		assert.equal(r2.body.next, r2.body.logs.at(-1)._id);
	}],
	['/api/logs default limit is 20 and limit=100 works', async (s) => {
		let r = await pl.getJson('/api/logs');
		assert.equal(r.body.logs.length, 20);
		assert.equal(r.body.next, s.allIds[19]);
		r = await pl.getJson('/api/logs?limit=100');
		assert.equal(r.body.logs.length, 100);
		assert.deepEqual(r.body.logs.map((l) => l._id),
		    s.allIds.slice(0, 100));
	}],
	['band and source filters', async (s) => {
		for (const [band] of BANDS) {
			const logs = await pageAll(
			    `&band=${encodeURIComponent(band)}`, 9);
			assert.equal(logs.length, s.expected.bands[band], band);
			assert.ok(logs.every((l) => l.name === band));
		}
		const grpc = await pageAll('&source=grpc', 8);
		assert.equal(grpc.length, N_GRPC);
		assert.deepEqual(grpc.map((l) => l._id).sort(),
		    [...s.grpcIds].sort());
		const rest = await pageAll('&source=rest', 50);
		assert.equal(rest.length, N_REST + 1);
		const both = await pageAll(`&source=grpc&band=${
		    encodeURIComponent(BANDS[0][0])}`, 100);
		assert.equal(both.length, s.gvotes.filter((v) =>
		    v.name === BANDS[0][0]).length);
		const none = await pl.getJson('/api/logs?band=Nobody');
		assert.deepEqual(none.body, { logs: [], next: null });
	}],
	['bad parameters give 400 JSON naming the field', async () => {
		const cases = [
			['limit=0', 'limit'], ['limit=101', 'limit'],
			['limit=abc', 'limit'], ['source=kafka', 'source'],
			['before=abc', 'before'], ['band=%FF', 'band'],
			[`band=${'x'.repeat(129)}`, 'band'],
			['limit=5&limit=6', 'limit'], ['foo=1', 'foo'],
			['before=01ARYZ6S41TSV4RRFFQ69G5FAU', 'before'],
		];
		for (const [q, field] of cases) {
			const r = await pl.getJson(`/api/logs?${q}`);
			assert.equal(r.status, 400, q);
			assert.equal(r.body.field, field, q);
			assert.equal(typeof r.body.error, 'string');
			assert.match(r.headers.get('content-type'),
			    /application\/json/);
		}
		const page = await fetch(`${pl.base}/?limit=1000`);
		assert.equal(page.status, 400);
		assert.match(await page.text(), /limit must be/);
	}],
	['GET / answers from Redis alone; htmx loads the logs panel',
	    async (s) => {
		const r = await fetch(`${pl.base}/`);
		assert.equal(r.status, 200);
		assert.match(r.headers.get('content-type'), /text\/html/);
		assert.equal(r.headers.get('content-security-policy'),
		    "default-src 'self'; script-src 'self'; style-src 'self'; " +
		    "img-src 'self' data:; object-src 'none'; base-uri 'none'; " +
		    "frame-ancestors 'none'");
		assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
		assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
		assert.equal(r.headers.get('x-frame-options'), 'DENY');
		assert.equal(r.headers.get('content-encoding'), 'gzip');
		const html = await r.text();
		assert.match(html, /<div id="logs" class="logs-body" hx-get="\/fragments\/logs" hx-include="#filters" hx-trigger="load, marimba:tick"/);
		assert.match(html, /hx-trigger="marimba:tick"/);
		assert.match(html, new RegExp(`id="total">${N}<`));
		assert.match(html, /<title>marimba · live votes<\/title>/);
		assert.match(html, /<noscript>/);
		assert.match(html, /<link rel="icon" href="\/assets\/favicon.svg\?v=[0-9a-f]{16}"/);
		assert.equal((html.match(/role="status"/g) ?? []).length, 1);
		assert.ok(!/style=/.test(html), 'inline style');
		assert.ok(!/<script>/.test(html), 'inline script');
		// The fragment htmx loads: the 20 newest, in order.
		const f = await fetch(`${pl.base}/fragments/logs?limit=20&band=`,
		    { headers: { 'hx-request': 'true', 'hx-trigger': 'logs' } });
		assert.equal(f.status, 200);
		const frag = await f.text();
		assert.deepEqual(pageIds(`id="logs"${frag}`),
		    s.allIds.slice(0, 20));
		assert.match(frag, /<caption>The 20 newest votes, newest first/);
		assert.match(frag, /<th scope="col">Band<\/th>/);
		assert.ok(!frag.includes('<title>'), 'a poll sets no title');
		assert.equal(f.headers.get('hx-push-url'), null);
	}],
	['fragments: ETag, 304 when unchanged, no-store', async () => {
		for (const p of ['/fragments/logs?limit=20',
		    '/fragments/stats']) {
			const h = { 'hx-request': 'true' };
			const a = await fetch(`${pl.base}${p}`, { headers: h });
			assert.equal(a.status, 200, p);
			const etag = a.headers.get('etag');
			assert.match(etag, /^W\/"[0-9a-f]{16}"$/, p);
			assert.equal(a.headers.get('cache-control'), 'no-store');
			await a.text();
			const b = await fetch(`${pl.base}${p}`, { headers: {
			    ...h, 'if-none-match': etag } });
			assert.equal(b.status, 304, p);
			assert.equal((await b.arrayBuffer()).byteLength, 0);
			const c = await fetch(`${pl.base}${p}`, { headers: {
			    ...h, 'if-none-match': 'W/"0000000000000000"' } });
			assert.equal(c.status, 200, p);
			assert.equal(c.headers.get('etag'), etag, p);
		}
	}],
	['the filter: fragment with title and URL, no-JS page', async (s) => {
		const band = BANDS[1][0];
		const q = `limit=50&band=${encodeURIComponent(band)}`;
		const want = (await pageAll(`&band=${encodeURIComponent(band)}`,
		    100)).map((l) => l._id).slice(0, 50);
		const page = await (await fetch(`${pl.base}/?${q}`)).text();
		assert.ok(page.includes('value="Bohemia Suburbana"'));
		assert.ok(page.includes('<option selected>50</option>') ||
		    page.includes('<option selected>50'));
		assert.match(page, /<title>Bohemia Suburbana · marimba · live votes<\/title>/);
		// From the form: the page's title and URL come along.
		const f = await fetch(`${pl.base}/fragments/logs?${q}`,
		    { headers: { 'hx-request': 'true',
		    'hx-trigger': 'filters' } });
		const frag = await f.text();
		assert.deepEqual(pageIds(`id="logs"${frag}`), want);
		assert.equal(f.headers.get('hx-push-url'),
		    '/?limit=50&band=Bohemia%20Suburbana');
		assert.match(frag, /^<title>Bohemia Suburbana · marimba · live votes<\/title>/);
		assert.equal(want.length, Math.min(50, s.expected.bands[band]));
		// Without htmx (no script): a page of its own.
		const doc = await (await fetch(`${pl.base}/fragments/logs?${q}`))
		    .text();
		assert.match(doc, /^<!doctype html>/);
		assert.deepEqual(pageIds(`id="logs"${doc}`), want);
		// Bands are sorted for the list, case-blind.
		const names = [...page.matchAll(/<option value="([^"]*)"(?: label="[^"]*")?><\/option>/g)]
		    .map((m) => m[1]);
		assert.ok(names.length >= BANDS.length);
		const sorted = [...names].sort((a, b) =>
		    a.toLowerCase() < b.toLowerCase() ? -1 :
		    a.toLowerCase() > b.toLowerCase() ? 1 : 0);
		assert.deepEqual(names, sorted);
	}],
	['client text is HTML-escaped, never raw', async () => {
		const html = await (await fetch(`${pl.base}/fragments/logs?` +
		    'limit=100', { headers: { 'hx-request': 'true' } })).text();
		assert.ok(!html.includes(XSS_BAND), 'raw script tag');
		assert.ok(!html.includes('<img'), 'raw img tag');
		assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
		assert.ok(html.includes('&quot;&gt;&lt;img src=x ' +
		    'onerror=alert(1)&gt;'));
		const page = await (await fetch(`${pl.base}/`)).text();
		assert.ok(!page.includes(XSS_BAND));
		assert.ok(page.includes('<option value="&lt;script&gt;alert(1)' +
		    '&lt;/script&gt;">'));
		const f = await (await fetch(`${pl.base}/?band=${
		    encodeURIComponent(XSS_BAND)}`)).text();
		assert.ok(!f.includes(XSS_BAND));
		assert.ok(f.includes('<title>&lt;script&gt;alert(1)' +
		    '&lt;/script&gt; · marimba'));
		const ff = await fetch(`${pl.base}/fragments/logs?band=${
		    encodeURIComponent(XSS_BAND)}`, { headers: {
		    'hx-request': 'true', 'hx-trigger': 'filters' } });
		const ft = await ff.text();
		assert.ok(!ft.includes(XSS_BAND));
		assert.equal(pageIds(`id="logs"${ft}`).length, 1);
		assert.equal(ff.headers.get('hx-push-url'),
		    '/?limit=20&band=%3Cscript%3Ealert%281%29%3C%2Fscript%3E');
	}],
	['fragments and assets: gzip, ETag, favicon, the Grafana link',
	    async () => {
		const st = await fetch(`${pl.base}/fragments/stats`);
		assert.equal(st.status, 200);
		const stats = await st.text();
		assert.match(stats, /<svg class="bars" role="img"/);
		assert.match(stats, /<details class="data"><summary>/);
		assert.match(stats, /id="spark-desc"/);
		for (const [p, type] of [['/assets/htmx.min.js', /javascript/],
		    ['/assets/marimba.js', /javascript/],
		    ['/assets/marimba.css', /text\/css/],
		    ['/assets/favicon.svg', /image\/svg\+xml/],
		    ['/favicon.ico', /image\/svg\+xml/]]) {
			const r = await fetch(`${pl.base}${p}`);
			assert.equal(r.status, 200, p);
			assert.match(r.headers.get('content-type'), type, p);
			assert.match(r.headers.get('cache-control'),
			    /max-age=31536000/);
			const body = await r.text();
			assert.ok(body.length > 100, p);
			if (p !== '/favicon.ico' && p !== '/assets/favicon.svg')
				assert.equal(r.headers.get('content-encoding'),
				    'gzip', p);
			const again = await fetch(`${pl.base}${p}`,
			    { headers: { 'if-none-match': r.headers.get('etag') } });
			assert.equal(again.status, 304, p);
		}
		// No gzip when the client does not take it.
		const plain = await fetch(`${pl.base}/assets/htmx.min.js`,
		    { headers: { 'accept-encoding': 'identity' } });
		assert.equal(plain.headers.get('content-encoding'), null);
		assert.ok((await plain.text()).length > 40000);
		const page = await (await fetch(`${pl.base}/`)).text();
		assert.ok(page.includes('<a href="https://grafana.example/d/' +
		    'x?a=1&amp;b=&quot;&lt;x&gt;">Grafana dashboard</a>'));
	}],
	['/readyz names every dependency', async () => {
		const r = await pl.getJson('/readyz');
		assert.equal(r.status, 200);
		assert.deepEqual(r.body, { status: 'ok', kafka: 'up',
		    redis: 'up', mongo: 'up', window: 'ok' });
	}],
	['/metrics counts every worker\'s requests', async () => {
		// Many requests, so both workers serve some.
		await Promise.all(Array.from({ length: 40 }, () =>
		    fetch(`${pl.base}/healthz`).then((r) => r.text())));
		const text = await (await fetch(`${pl.base}/metrics`)).text();
		const get = (re) => Number((text.match(re) ?? [])[1]);
		assert.equal(get(/^marimba_votes_accepted_total (\d+)$/m),
		    N_REST + 1);
		assert.ok(get(/^marimba_http_requests_total\{route="\/healthz",status="200"\} (\d+)$/m) >= 41);
		assert.equal(get(/^marimba_http_requests_total\{route="\/api\/votes",status="202"\} (\d+)$/m), 4);
		assert.ok(get(/^marimba_http_requests_total\{route="\/api\/logs",status="400"\} (\d+)$/m) >= 10);
		assert.match(text, /marimba_http_request_duration_seconds_bucket\{route="\/",le="\+Inf"\} \d+/);
		assert.match(text, /^marimba_vote_producer_queue_len\{worker="1"\} \d+$/m);
		assert.match(text, /^marimba_vote_producer_queue_len\{worker="2"\} \d+$/m);
	}],
];

runChecks('test_web', setup, checks, () => pl.stop());
