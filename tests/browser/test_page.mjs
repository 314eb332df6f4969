// SPDX-License-Identifier: ISC
// Browser test of the log viewer: Debian's headless chromium driven by
// playwright-core (no browser download). Loads the page of a private
// pipeline, checks the rows, sends more votes and waits for htmx to swap
// them in without a reload, applies the filter on change (focus kept,
// URL and title follow), uses the page without JavaScript, checks that
// no Content-Security-Policy violation happened, and saves a screenshot
// in the build tree.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { Pipeline, XSS_ALBUM, XSS_BAND, buildDir, makeVote, runChecks }
    from '../integration/web/harness.mjs';
import { launch } from './chromium.mjs';

const N = 60;
const NEW_BAND = 'Los Elásticos';
// Wide letters and multi-byte ones: a label that needs cutting.
const LONG_BAND = 'MARIMBA MAWWÁ ORQUESTA ÑANDÚ WWW DE GUATEMALA MMM';

const pl = new Pipeline('webbrowser');
const shot = path.join(buildDir, 'web-tests', 'log-viewer.png');
let browser;

async function setup() {
	await pl.startKore();
	const ids = await pl.postVotes(Array.from({ length: N - 1 },
	    (_, i) => makeVote(i)), 20);
	ids.push(...await pl.postVotes([{ name: XSS_BAND, album: XSS_ALBUM,
	    year: 2001, rank: 7 }]));
	pl.startConsumer();
	await pl.waitTotal(N);
	await pl.waitLogs(N);

	browser = await launch({ width: 1280, height: 900 });
	const { page } = browser;
	const s = { page, ids: ids.sort().reverse(), console: [],
	    navigations: 0, errors: [] };
	page.on('console', (m) => s.console.push(`${m.type()}: ${m.text()}`));
	page.on('pageerror', (e) => s.errors.push(String(e)));
	page.on('framenavigated', (f) => {
		if (f === page.mainFrame())
			s.navigations++;
	});
	await page.addInitScript(() => {
		window.__csp = [];
		document.addEventListener('securitypolicyviolation', (e) =>
		    window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
	});
	return s;
}

const rowIds = (page) => page.$$eval('#logs tbody tr',
    (trs) => trs.map((tr) => tr.dataset.id));
const focused = (page) => page.evaluate(() => document.activeElement?.id);

const checks = [
	['the page shows the 20 newest votes and htmx is loaded', async (s) => {
		const r = await s.page.goto(`${pl.base}/`);
		assert.equal(r.status(), 200);
		await s.page.waitForFunction(() => window.htmx !== undefined);
		// The panel comes through htmx, right after the page.
		await s.page.waitForSelector('#logs tbody tr');
		assert.deepEqual(await rowIds(s.page), s.ids.slice(0, 20));
		assert.equal(await s.page.textContent('#total'), String(N));
		// The XSS vote is text in the table, not an element.
		const cell = await s.page.$$eval('#logs td.band',
		    (tds) => tds.map((td) => td.textContent));
		assert.ok(cell.includes(XSS_BAND));
		assert.equal(await s.page.$$eval('#logs script, #logs img',
		    (e) => e.length), 0);
	}],
	['new votes appear without a reload', async (s) => {
		await s.page.evaluate(() => {
			window.__marker = 'still-here';
		});
		const before = s.navigations;
		const more = Array.from({ length: 5 }, (_, i) => ({
		    name: NEW_BAND, album: 'Navidad en Guatemala',
		    year: 2020, rank: i + 1 }));
		const ids = await pl.postVotes(more);
		await s.page.waitForFunction((band) =>
		    [...document.querySelectorAll('#logs td.band')]
		    .filter((td) => td.textContent === band).length === 5,
		    NEW_BAND, { timeout: 30000 });
		const top = (await rowIds(s.page)).slice(0, 5);
		assert.deepEqual(top, ids.sort().reverse());
		await s.page.waitForFunction((n) =>
		    document.querySelector('#total').textContent === String(n),
		    N + 5, { timeout: 15000 });
		assert.equal(await s.page.evaluate(() => window.__marker),
		    'still-here');
		assert.equal(s.navigations, before);
	}],
	['the filter applies on change: focus kept, URL and title follow',
	    async (s) => {
		await s.page.goto(`${pl.base}/`);
		await s.page.waitForSelector('#logs tbody tr');
		await s.page.evaluate(() => {
			window.__marker = 'filter';
		});
		// Rows: keyboard only, on the select.
		await s.page.focus('#limit');
		await s.page.keyboard.press('ArrowDown');
		await s.page.waitForURL(/limit=50/);
		await s.page.waitForFunction(() =>
		    document.querySelectorAll('#logs tbody tr').length > 20);
		assert.equal(await focused(s.page), 'limit');
		// The band: typed; applied once it names a listed band.
		await s.page.focus('#band');
		await s.page.keyboard.type(NEW_BAND);
		await s.page.waitForURL(/band=/);
		await s.page.waitForFunction((band) => {
			const tds = [...document.querySelectorAll('#logs td.band')];
			return tds.length === 5 &&
			    tds.every((td) => td.textContent === band);
		}, NEW_BAND);
		assert.equal(await focused(s.page), 'band');
		const url = new URL(s.page.url());
		assert.equal(url.pathname, '/');
		assert.equal(url.searchParams.get('band'), NEW_BAND);
		assert.equal(url.searchParams.get('limit'), '50');
		assert.equal(await s.page.title(),
		    `${NEW_BAND} · marimba · live votes`);
		assert.equal(await s.page.evaluate(() => window.__marker),
		    'filter');
		// The address is a page of its own: reload it.
		await s.page.reload();
		await s.page.waitForSelector('#logs tbody tr');
		assert.equal(await s.page.inputValue('#band'), NEW_BAND);
		assert.equal((await rowIds(s.page)).length, 5);
		await s.page.goto(`${pl.base}/`);
		await s.page.waitForFunction(() => window.htmx !== undefined);
		// One refresh cycle on the unfiltered page.
		await s.page.waitForTimeout(3500);
	}],
	['without JavaScript: a note, the Show button, the logs as a page',
	    async () => {
		const nojs = await launch({ width: 1000, height: 800 },
		    { javaScriptEnabled: false });
		try {
			const p = nojs.page;
			await p.goto(`${pl.base}/?limit=10`);
			assert.ok(await p.isVisible('noscript >> nth=0') ||
			    (await p.content()).includes('JavaScript is off'));
			assert.equal(await p.isVisible('#live-toggle'), false);
			assert.equal(await p.isVisible('footer .js-only'), false);
			// The form is a plain GET form.
			await p.fill('#band', NEW_BAND);
			await Promise.all([p.waitForURL(/band=/),
			    p.click('#filters button[type=submit]')]);
			const url = new URL(p.url());
			assert.equal(url.searchParams.get('band'), NEW_BAND);
			assert.equal(url.searchParams.get('limit'), '10');
			// The logs, in the page (kept table) or a page of
			// their own (the no-script link).
			if (await p.$('#logs tbody tr') === null) {
				await Promise.all([p.waitForURL(/fragments/),
				    p.click('#logs a')]);
			}
			const bands = await p.$$eval('td.band',
			    (tds) => tds.map((td) => td.textContent));
			assert.equal(bands.length, 5);
			assert.ok(bands.every((b) => b === NEW_BAND));
		} finally {
			await nojs.close();
		}
	}],
	['long bar labels are cut with … inside the chart, whole in <title>',
	    async (s) => {
		// Enough votes to be the top band of both charts.
		await pl.postVotes(Array.from({ length: 40 }, (_, i) => ({
		    name: LONG_BAND, album: 'WWW MMM Álbum de la Marimba',
		    year: 2021, rank: (i % 10) + 1 })), 20);
		await s.page.goto(`${pl.base}/`);
		await s.page.waitForFunction((band) =>
		    [...document.querySelectorAll('svg.bars title')]
		    .some((t) => t.textContent.startsWith(band)),
		    LONG_BAND, { timeout: 30000 });
		const bars = await s.page.$$eval('svg.bars g.bar', (gs) =>
		    gs.map((g) => {
			const t = g.querySelector('text.bar-label');
			return { title: g.querySelector('title').textContent,
			    label: t.textContent, x: t.getBBox().x };
		    }));
		assert.ok(bars.length > 0);
		for (const b of bars) {
			// Inside the chart: nothing left of its left edge.
			assert.ok(b.x >= 0, `${b.label} starts at x=${b.x}`);
			const name = b.title.replace(/: \d+$/, '');
			if (b.label.endsWith('…'))
				assert.ok(name.startsWith(b.label.slice(0, -1)));
			else
				assert.equal(b.label, name);
		}
		const long = bars.filter((b) => b.title.startsWith(LONG_BAND));
		assert.equal(long.length, 2);
		for (const b of long) {
			assert.ok(b.label.endsWith('…'), b.label);
			// No U+FFFD: no code point was split.
			assert.ok(!b.label.includes('\ufffd'));
		}
	}],
	['no CSP violation, no script error', async (s) => {
		const csp = await s.page.evaluate(() => window.__csp);
		assert.deepEqual(csp, []);
		assert.deepEqual(s.console.filter((l) =>
		    /Content.Security.Policy|Refused/i.test(l)), []);
		assert.deepEqual(s.errors, []);
	}],
	['screenshot saved', async (s) => {
		fs.mkdirSync(path.dirname(shot), { recursive: true });
		await s.page.screenshot({ path: shot, fullPage: true });
		assert.ok(fs.statSync(shot).size > 10000);
		console.log(`      screenshot: ${shot}`);
	}],
];

runChecks('test_browser_page', setup, checks, async () => {
	if (browser)
		await browser.close();
	await pl.stop();
});
