// SPDX-License-Identifier: ISC
// Debian's chromium for the browser tests, driven by playwright-core
// (no browser download): a fresh profile per launch, removed on close;
// axe-core (npm, pinned by package-lock.json) run inside a page.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

import { chromium } from 'playwright-core';

const CHROMIUM = process.env.MARIMBA_CHROMIUM ?? '/usr/bin/chromium';
const require = createRequire(import.meta.url);

// { ctx, page, close() } with the given viewport and context options.
export async function launch(viewport, options = {}) {
	const profile = fs.mkdtempSync(path.join(os.tmpdir(),
	    'marimba-chromium-'));
	const ctx = await chromium.launchPersistentContext(profile, {
		executablePath: CHROMIUM,
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu',
		    '--disable-quic', '--no-first-run',
		    '--disable-background-networking',
		    '--disable-component-update', '--disable-sync'],
		viewport,
		...options,
	});
	const page = ctx.pages()[0] ?? await ctx.newPage();
	return {
		ctx,
		page,
		async close() {
			await ctx.close().catch(() => {});
			fs.rmSync(profile, { recursive: true, force: true });
		},
	};
}

let axeSource;

// axe-core's WCAG 2.0/2.1 A and AA rules on the page as it is now: the
// violations, each as "rule (impact): target ...". Injected through the
// DevTools protocol, which the page's CSP does not apply to.
export async function axeViolations(page) {
	axeSource ??= fs.readFileSync(require.resolve('axe-core/axe.min.js'),
	    'utf8');
	await page.evaluate(axeSource);
	const r = await page.evaluate(() => window.axe.run(document, {
		runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa',
		    'wcag21a', 'wcag21aa'] },
		resultTypes: ['violations'],
	}));
	return r.violations.map((v) => `${v.id} (${v.impact}): ${
	    v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')} — ${
	    v.help}`);
}
