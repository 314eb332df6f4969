// SPDX-License-Identifier: ISC
// Browser test of "logs N s behind the tallies" on the live page's status
// line (issue 16), in Debian's chromium: the two sinks run as two
// processes (--sink=redis, --sink=mongo) while votes keep coming over
// REST. Caught up, the line says nothing of the logs; with the mongo sink
// stopped (SIGSTOP: it neither logs nor reports) the line says how far
// the logs are behind while the total keeps rising, in the page as
// served (no script) and as htmx refreshes it, with no WCAG violation;
// a report that is not a sink's (hostile text in <prefix>:sinks) is
// left out; after SIGCONT the mongo sink catches up, the line goes away
// and every counted vote is logged.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

import { Pipeline, buildDir, makeVote, runChecks, sleep, waitFor }
    from '../integration/web/harness.mjs';
import { axeViolations, launch } from './chromium.mjs';

const BEHIND = /logs (\d+) s behind the tallies/;
const RATE_EVERY_MS = 200;	// 5 votes each: 25 votes/s
const pl = new Pipeline('weblag');
const consumer = path.join(buildDir, 'consumer/marimba-consumer');
let browser;
let mongoSink = null;
let stopped = false;
let posting = false;
let poster = null;
let posted = 0;

function status(page) {
	return page.textContent('#updated');
}

async function setup() {
	await pl.startKore();
	pl.spawn('redis-sink', consumer, ['--sink=redis'], pl.env());
	mongoSink = pl.spawn('mongo-sink', consumer, ['--sink=mongo'],
	    pl.env());
	posting = true;
	poster = (async () => {
		let i = 0;
		while (posting) {
			const votes = Array.from({ length: 5 }, () =>
			    makeVote(i++));
			await pl.postVotes(votes, 5);
			posted += votes.length;
			await sleep(RATE_EVERY_MS);
		}
	})();
	await waitFor('votes counted and logged', async () => {
		const { body } = await pl.getJson('/api/votes');
		return body.total >= 50 && await pl.countLogs() >= 50;
	}, 60000, 500);
	browser = await launch({ width: 1400, height: 1000 });
	const { page } = browser;
	const s = { page, errors: [] };
	page.on('pageerror', (e) => s.errors.push(String(e)));
	const r = await page.goto(`${pl.base}/`);
	assert.equal(r.status(), 200);
	await page.waitForFunction(() => window.htmx !== undefined);
	return s;
}

const checks = [
	['caught up: the status line says nothing of the logs', async (s) => {
		// Updated by a refresh (the total grows), without "behind".
		await waitFor('a refreshed status line without lag', async () => {
			const t = await status(s.page);
			return /new votes?/.test(t) && !BEHIND.test(t);
		}, 30000, 300);
		assert.equal(await s.page.getAttribute('#updated', 'role'),
		    'status');
	}],
	['mongo sink stopped: "logs N s behind the tallies"', async (s) => {
		process.kill(mongoSink.pid, 'SIGSTOP');
		stopped = true;
		const { body: before } = await pl.getJson('/api/votes');
		const t = await waitFor('the lag on the status line', async () => {
			const x = await status(s.page);
			return BEHIND.test(x) ? x : false;
		}, 40000, 300);
		assert.match(t, /^Updated \d\d:\d\d:\d\d UTC( · \d+ new votes?)? · logs \d+ s behind the tallies$/);
		// Counting went on meanwhile.
		const { body: after } = await pl.getJson('/api/votes');
		assert.ok(after.total > before.total,
		    `total ${before.total} -> ${after.total}`);
		// It grows while the logs stand still.
		const first = Number(BEHIND.exec(t)[1]);
		const later = await waitFor('a larger lag', async () => {
			const m = BEHIND.exec(await status(s.page));
			return m && Number(m[1]) > first ? Number(m[1]) : false;
		}, 20000, 300);
		console.log(`      status line: "${t}", then ${later} s`);
		// The page as served, for a browser without script.
		const html = await (await fetch(`${pl.base}/`)).text();
		assert.match(html, /<p id="updated" class="updated" role="status">Updated <time>\d\d:\d\d:\d\d<\/time> UTC · logs \d+ s behind the tallies<\/p>/);
		assert.deepEqual(await axeViolations(s.page), []);
	}],
	['a field that is no sink\'s report is left out', async (s) => {
		execFileSync('redis-cli', ['HSET', `${pl.name}:sinks`,
		    'mongo:evil:1', '<img src=x onerror=alert(1)>',
		    '<b>mongo</b>:x:1', '1 2 3'], { stdio: 'ignore' });
		const html = await (await fetch(`${pl.base}/`)).text();
		assert.ok(!html.includes('<img src=x'));
		assert.ok(!html.includes('<b>mongo'));
		assert.match(html, /logs \d+ s behind the tallies/);
		const frag = await (await fetch(
		    `${pl.base}/fragments/stats`)).text();
		assert.match(frag, /data-logs-behind="logs \d+ s behind the tallies"/);
		assert.deepEqual(s.errors, []);
	}],
	['mongo sink going on: the line goes, every vote is logged',
	    async (s) => {
		process.kill(mongoSink.pid, 'SIGCONT');
		stopped = false;
		await waitFor('the status line without lag', async () => {
			const t = await status(s.page);
			return /^Updated /.test(t) && !BEHIND.test(t);
		}, 40000, 300);
		posting = false;
		await poster;
		await pl.waitTotal(posted);
		await pl.waitLogs(posted, 60000);
		const html = await (await fetch(`${pl.base}/`)).text();
		assert.ok(!BEHIND.test(html));
		assert.deepEqual(s.errors, []);
	}],
];

runChecks('test_browser_lag', setup, checks, async () => {
	posting = false;
	if (poster)
		await poster.catch(() => {});
	if (stopped && mongoSink) {
		try {
			process.kill(mongoSink.pid, 'SIGCONT');
		} catch { /* gone */ }
	}
	if (browser)
		await browser.close();
	await pl.stop();
});
