// SPDX-License-Identifier: ISC
// The live page's behaviour (the page works without it: a plain form,
// server-rendered tables). Served by Kore from assets/; no inline script
// (the Content-Security-Policy forbids it), no eval.
//
// - Every 3 s, while the tab is visible and not paused, asks htmx to
//   refresh #stats and #logs (their hx-trigger is "marimba:tick").
// - Pause/Resume, remembered per tab (sessionStorage).
// - Sends If-None-Match with the ETag of what a part shows: the server
//   answers 304 (no body, no swap) when nothing changed.
// - #updated, the page's one polite live region: "Updated HH:MM:SS UTC",
//   "N new votes" when the total grew, and "logs N s behind the
//   tallies" while the server says so (data-logs-behind in #stats).
// - Keeps open <details> and focus inside #stats across its swaps.
// - Applies the band filter as soon as the field holds a known band (or
//   is emptied), not only on change.
(function () {
	'use strict';

	const EVERY_MS = 3000;
	const PAUSED_KEY = 'marimba.paused';
	let paused = false;
	let lastTick = 0;
	let lastTotal = null;
	let timer = null;

	function $(id) {
		return document.getElementById(id);
	}

	function clock(d) {
		return d.toISOString().slice(11, 19);
	}

	function say(text) {
		const u = $('updated');
		if (u && u.textContent !== text)
			u.textContent = text;
	}

	function total() {
		const t = $('total');
		const n = t ? Number.parseInt(t.textContent, 10) : Number.NaN;
		return Number.isNaN(n) ? null : n;
	}

	function tick() {
		if (paused || document.hidden || !window.htmx)
			return;
		lastTick = Date.now();
		for (const id of ['stats', 'logs']) {
			const el = $(id);
			if (el)
				window.htmx.trigger(el, 'marimba:tick');
		}
	}

	function start() {
		if (timer === null)
			timer = window.setInterval(tick, EVERY_MS);
	}

	function stop() {
		if (timer !== null) {
			window.clearInterval(timer);
			timer = null;
		}
	}

	function setPaused(p, announce) {
		const b = $('live-toggle');
		paused = p;
		try {
			if (p)
				window.sessionStorage.setItem(PAUSED_KEY, '1');
			else
				window.sessionStorage.removeItem(PAUSED_KEY);
		} catch (e) {
			// Storage refused (private mode): per page only.
		}
		if (b) {
			b.setAttribute('aria-pressed', p ? 'true' : 'false');
			b.textContent = p ? 'Resume live updates' :
			    'Pause live updates';
		}
		document.body.classList.toggle('paused', p);
		if (p) {
			stop();
			if (announce)
				say(`Live updates paused at ${clock(new Date())} UTC`);
		} else {
			if (announce)
				say(`Live updates resumed at ${clock(new Date())} UTC`);
			start();
			tick();
		}
	}

	// Hidden tab: no timer at all. Back: at once if a tick is due.
	function onVisibility() {
		if (document.hidden) {
			stop();
			return;
		}
		if (paused)
			return;
		start();
		if (Date.now() - lastTick >= EVERY_MS)
			tick();
	}

	// The part a request fills: its ETag is kept on it.
	function targetOf(detail) {
		return detail.target ?? detail.elt;
	}

	function onConfigRequest(e) {
		const elt = e.detail.elt;
		const t = targetOf(e.detail);
		// The filter form changes what is asked: never a 304 for it.
		if (!elt || (elt.id !== 'stats' && elt.id !== 'logs'))
			return;
		if (t && t.dataset.etag)
			e.detail.headers['If-None-Match'] = t.dataset.etag;
	}

	function onAfterRequest(e) {
		const xhr = e.detail.xhr;
		const t = targetOf(e.detail);
		if (!xhr || !t || xhr.status !== 200)
			return;
		const etag = xhr.getResponseHeader('etag');
		if (etag)
			t.dataset.etag = etag;
		else
			delete t.dataset.etag;
	}

	// What to keep of #stats across a swap: open <details>, focus.
	let kept = null;

	function onBeforeSwap(e) {
		const t = e.detail.target;
		if (!t || t.id !== 'stats')
			return;
		const details = [...t.querySelectorAll('details')];
		const active = document.activeElement;
		kept = {
			open: details.map((d) => d.open),
			focus: active && t.contains(active) ?
			    [...t.querySelectorAll('summary, a, button')]
			    .indexOf(active) : -1,
		};
	}

	function onAfterSwap(e) {
		const t = e.detail.target;
		if (!t || t.id !== 'stats')
			return;
		if (kept) {
			const details = [...t.querySelectorAll('details')];
			kept.open.forEach((o, i) => {
				if (o && details[i])
					details[i].open = true;
			});
			if (kept.focus >= 0) {
				const f = t.querySelectorAll('summary, a, button');
				if (f[kept.focus])
					f[kept.focus].focus();
			}
			kept = null;
		}
		const now = total();
		let text = `Updated ${clock(new Date())} UTC`;
		if (now !== null && lastTotal !== null && now > lastTotal) {
			const n = now - lastTotal;
			text += ` · ${n} new vote${n === 1 ? '' : 's'}`;
		}
		if (now !== null)
			lastTotal = now;
		const lag = t.querySelector('[data-logs-behind]');
		if (lag && lag.dataset.logsBehind)
			text += ` · ${lag.dataset.logsBehind}`;
		say(text);
	}

	// A band from the list (or none): apply it without waiting for
	// the field to lose focus.
	function onBandInput(e) {
		const v = e.target.value;
		const list = $('band-names');
		const known = v === '' || (list && [...list.options]
		    .some((o) => o.value === v));
		const form = $('filters');
		if (known && form && window.htmx)
			window.htmx.trigger(form, 'marimba:filter');
	}

	function init() {
		for (const el of document.querySelectorAll('.js-only'))
			el.hidden = false;
		const b = $('live-toggle');
		if (b) {
			b.hidden = false;
			b.addEventListener('click', () => setPaused(!paused, true));
		}
		const band = $('band');
		if (band)
			band.addEventListener('input', onBandInput);
		document.body.addEventListener('htmx:configRequest',
		    onConfigRequest);
		document.body.addEventListener('htmx:afterRequest',
		    onAfterRequest);
		document.body.addEventListener('htmx:beforeSwap', onBeforeSwap);
		document.body.addEventListener('htmx:afterSwap', onAfterSwap);
		document.addEventListener('visibilitychange', onVisibility);
		lastTotal = total();
		lastTick = Date.now();
		let p = false;
		try {
			p = window.sessionStorage.getItem(PAUSED_KEY) === '1';
		} catch (e) {
			p = false;
		}
		if (p)
			setPaused(true, false);
		else if (!document.hidden)
			start();
	}

	if (document.readyState === 'loading')
		document.addEventListener('DOMContentLoaded', init);
	else
		init();
}());
