// SPDX-License-Identifier: ISC
// The log window through the real pipeline (Kore, consumer, Kafka, the
// shared FerretDB and a private Redis that may be flushed): a Kore that
// reads pages from the window answers every /api/logs page and the logs
// fragment exactly like a second Kore with MARIMBA_LOG_WINDOW=0 (the
// plain MongoDB query) on the same data, for no filter, each source and
// band and cursor pages; it uses the window (EVAL calls in Redis); after
// FLUSHALL /readyz stays 200 and says "rebuilding" while another holds
// the rebuild lock, pages stay right meanwhile, and the window comes back.
import assert from 'node:assert/strict';

import { BANDS, Pipeline, PrivateRedis, freePort, makeVote, runChecks,
    waitFor } from './harness.mjs';

const KEEP = 40;
const redisPort = await freePort();
const win = { MARIMBA_REDIS_PORT: String(redisPort),
    MARIMBA_LOG_WINDOW: String(KEEP), MARIMBA_LOG_WINDOW_BANDS: '3' };
const pl = new Pipeline('webwin', win);
// The same topic, database and prefix, read without the window.
const plain = new Pipeline('webwin', { ...win, MARIMBA_LOG_WINDOW: '0' });
plain.name = pl.name;
const redis = new PrivateRedis(pl.name, redisPort);

function evalCalls() {
	const m = redis.cli('INFO', 'commandstats')
	    .match(/cmdstat_eval:calls=(\d+)/);
	return m ? Number(m[1]) : 0;
}

// Every page of a query from both Kores, limit at a time: equal bodies.
async function samePages(query, limit) {
	let next = null;
	let pages = 0;
	let n = 0;
	do {
		const q = `/api/logs?limit=${limit}${query}` +
		    (next ? `&before=${next}` : '');
		const a = await pl.getJson(q);
		const b = await plain.getJson(q);
		assert.equal(a.status, 200, JSON.stringify(a.body));
		assert.equal(b.status, 200);
		assert.deepEqual(a.body, b.body, q);
		n += a.body.logs.length;
		next = a.body.next;
		pages++;
	} while (next !== null && pages < 12);
	return n;
}

async function sameEverywhere() {
	const calls = evalCalls();
	assert.ok(await samePages('', 7) >= KEEP);
	await samePages('', 100);
	await samePages('&source=rest', 9);
	for (const [band] of BANDS)
		await samePages(`&band=${encodeURIComponent(band)}`, 5);
	await samePages(`&band=${encodeURIComponent(BANDS[0][0])}` +
	    '&source=rest', 5);
	for (const f of ['/fragments/logs?limit=20',
	    `/fragments/logs?limit=20&band=${encodeURIComponent(BANDS[1][0])}`]) {
		const a = await (await fetch(`${pl.base}${f}`)).text();
		const b = await (await fetch(`${plain.base}${f}`)).text();
		assert.equal(a, b, f);
	}
	return evalCalls() - calls;
}

async function windowState(p) {
	return (await p.getJson('/readyz')).body.window;
}

async function setup() {
	redis.stack('up');
	await pl.startKore();
	await plain.startKore();
	const votes = Array.from({ length: 150 }, (_, i) => makeVote(i));
	await pl.postVotes(votes, 30);
	pl.startConsumer();
	await pl.waitTotal(150);
	await pl.waitLogs(150);
	await waitFor('window ok', async () =>
	    await windowState(pl) === 'ok', 20000);
	return {};
}

const checks = [
	['pages from the window equal the plain MongoDB query', async () => {
		assert.equal(await windowState(plain), 'off');
		// Every vote came over REST: its source window is full, and
		// no window holds every log (pages of all merge the sources).
		assert.equal(Number(redis.cli('ZCARD',
		    `${pl.name}:logwin:source:rest`)), KEEP);
		assert.equal(Number(redis.cli('EXISTS', `${pl.name}:logwin:all`)),
		    0);
		const used = await sameEverywhere();
		assert.ok(used > 10, `window read ${used} times`);
	}],
	['FLUSHALL: /readyz says rebuilding (200), pages stay right',
	    async () => {
		// Lose everything and hold the rebuild lock for a while, at
		// once, so the rebuilding state can be seen.
		redis.cli('EVAL', "redis.call('FLUSHALL') redis.call('SET', " +
		    "KEYS[1], 'test', 'PX', 6000)", '1',
		    `${pl.name}:logwin:rebuild`);
		const r = await waitFor('readyz rebuilding', async () => {
			const x = await pl.getJson('/readyz');
			return x.body.window === 'rebuilding' ? x : false;
		}, 5000, 100);
		assert.equal(r.status, 200);
		assert.equal(r.body.status, 'ok');
		// Votes stored meanwhile are listed by the consumer.
		await pl.postVotes(Array.from({ length: 25 }, (_, i) =>
		    makeVote(500 + i)), 25);
		await waitFor('175 in MongoDB', async () =>
		    await plain.countLogs() === 175, 30000);
		await samePages('', 7);
	}],
	['the window is rebuilt from MongoDB and used again', async () => {
		await waitFor('window ok', async () =>
		    await windowState(pl) === 'ok', 30000);
		assert.equal(await pl.countLogs(), 175);
		const used = await sameEverywhere();
		assert.ok(used > 10, `window read ${used} times`);
	}],
];

runChecks('test_web_window', setup, checks, async () => {
	await plain.stop();
	await pl.stop();
	try {
		redis.stack('down');
	} catch { /* already down */ }
	redis.remove();
});
