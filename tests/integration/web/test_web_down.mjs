// SPDX-License-Identifier: ISC
// The log viewer with a store down: a private Redis (its own
// scripts/stack state dir and port, stopped by the test) and a MongoDB
// URI where nothing listens. The page must still answer 200 and say
// which part is unavailable; /readyz must answer 503 naming the store.
import assert from 'node:assert/strict';

import { Pipeline, PrivateRedis, freePort, runChecks, waitFor }
    from './harness.mjs';

const redisPort = await freePort();
const mongoPort = await freePort();	/* stays closed */
const pl = new Pipeline('webdown', {
	MARIMBA_REDIS_PORT: String(redisPort),
	MARIMBA_MONGO_URI: `mongodb://127.0.0.1:${mongoPort}/?appname=webdown`,
});
const redis = new PrivateRedis(pl.name, redisPort);

// /readyz without the log window's state, which follows Redis a second
// later: never built here (MongoDB is down), so never "ok".
function noWindow(body) {
	const { window, ...rest } = body;
	assert.ok(['rebuilding', 'unknown'].includes(window), window);
	return rest;
}

async function ready() {
	return pl.getJson('/readyz');
}

async function timedPage() {
	const t0 = Date.now();
	const r = await fetch(`${pl.base}/`);
	const html = await r.text();
	return { status: r.status, html, ms: Date.now() - t0 };
}

async function setup() {
	redis.stack('up');
	// Counters as the consumer writes them (docs/redis-keys.md).
	redis.cli('SET', `${pl.name}:total`, '3');
	redis.cli('HSET', `${pl.name}:bands`, 'Alux Nahual', '3');
	redis.cli('HSET', `${pl.name}:albums`, 'Alux Nahual — Alux Nahual', '3');
	redis.cli('HSET', `${pl.name}:sources`, 'rest', '2', 'grpc', '1');
	await pl.startKore();
	return {};
}

const checks = [
	['MongoDB down: /readyz 503 names mongo', async () => {
		const r = await waitFor('readyz with redis up', async () => {
			const x = await ready();
			return x.body.redis === 'up' && x.body.kafka === 'up' ?
			    x : false;
		}, 15000);
		assert.equal(r.status, 503);
		assert.deepEqual(noWindow(r.body), { status: 'unavailable', kafka: 'up',
		    redis: 'up', mongo: 'down' });
		assert.equal(r.headers.get('retry-after'), '1');
	}],
	['MongoDB down: the page still renders, with the tallies', async () => {
		const p = await timedPage();
		assert.equal(p.status, 200);
		// The page reads no logs: htmx loads them into its panel.
		assert.ok(p.html.includes('Loading the latest votes'));
		assert.match(p.html, /id="total">3</);
		assert.ok(p.html.includes('<option value="Alux Nahual">'));
		assert.ok(p.ms < 4000, `page took ${p.ms} ms`);
		const frag = await (await fetch(`${pl.base}/fragments/logs`))
		    .text();
		assert.ok(frag.includes('logs unavailable: MongoDB is down'));
		const logs = await pl.getJson('/api/logs');
		assert.equal(logs.status, 503);
		assert.equal(logs.body.error, 'logs unavailable: MongoDB is down');
		const v = await pl.getJson('/api/votes');
		assert.equal(v.status, 200);
		assert.equal(v.body.total, 3);
		assert.deepEqual(v.body.sources, { rest: 2, grpc: 1 });
	}],
	['the worker stays responsive while a store read waits', async () => {
		// Pages wait ~1 s for MongoDB on task threads; /healthz
		// must not queue behind them (it would take that second: the
		// bound leaves room for a loaded machine or the ASan build).
		const pages = Array.from({ length: 6 }, () => timedPage());
		const t0 = Date.now();
		const h = await fetch(`${pl.base}/healthz`);
		const hms = Date.now() - t0;
		assert.equal(h.status, 200);
		assert.ok(hms < 700, `healthz took ${hms} ms`);
		for (const p of await Promise.all(pages))
			assert.equal(p.status, 200);
	}],
	['Redis down too: page 200 with both messages, /readyz names it',
	    async () => {
		redis.stack('down');
		const r = await waitFor('readyz with redis down', async () => {
			const x = await ready();
			return x.body.redis === 'down' ? x : false;
		}, 15000);
		assert.equal(r.status, 503);
		assert.deepEqual(noWindow(r.body), { status: 'unavailable', kafka: 'up',
		    redis: 'down', mongo: 'down' });
		const p = await timedPage();
		assert.equal(p.status, 200);
		assert.ok(p.html.includes('tallies unavailable: Redis is down'));
		assert.ok(p.ms < 4000, `page took ${p.ms} ms`);
		const frag = await (await fetch(`${pl.base}/fragments/logs`,
		    { headers: { 'hx-request': 'true' } })).text();
		assert.equal(frag,
		    '<p class="down">logs unavailable: MongoDB is down</p>');
		const v = await pl.getJson('/api/votes');
		assert.equal(v.status, 503);
		assert.equal(v.body.error, 'tallies unavailable: Redis is down');
	}],
	['Redis back: /readyz says so again', async () => {
		redis.stack('up');
		const r = await waitFor('readyz with redis up', async () => {
			const x = await ready();
			return x.body.redis === 'up' ? x : false;
		}, 15000);
		assert.equal(r.body.mongo, 'down');
		const v = await pl.getJson('/api/votes');
		assert.equal(v.status, 200);
	}],
];

runChecks('test_web_down', setup, checks, async () => {
	await pl.stop();
	try {
		redis.stack('down');
	} catch { /* already down */ }
	redis.remove();
});
