// SPDX-License-Identifier: ISC
// Harness of the log viewer's tests (integration and browser): starts a
// private Kore (kore/run.sh), gRPC producer and consumer from the build
// tree on free ports, all on the shared Kafka/Redis/MongoDB of
// scripts/stack but with a Kafka topic, consumer group, Redis prefix and
// Mongo database of their own, so parallel runs never meet.
//
// MARIMBA_TEST_BUILD_DIR: the build tree (set by ctest).
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)),
    '../../..');
export const buildDir = path.resolve(process.env.MARIMBA_TEST_BUILD_DIR ??
    path.join(root, 'build'));

export const BANDS = [
	['Malacates Trébol Shop', 'Niño del ayer'],
	['Bohemia Suburbana', 'Tierra de nadie'],
	['Alux Nahual', 'Hombres de maíz'],
	['Viernes Verde', 'Los Hijos del Sol'],
	['Easy Easy', 'Sonidos de Guatemala'],
];
export const XSS_BAND = '<script>alert(1)</script>';
export const XSS_ALBUM = '"><img src=x onerror=alert(1)>';

export function sleep(ms) {
	return new Promise((r) => setTimeout(r, ms));
}

export function uniqueName(tag) {
	return `${tag}_${process.pid}_${Date.now().toString(36)}`;
}

export function freePort() {
	return new Promise((resolve, reject) => {
		const s = net.createServer();
		s.on('error', reject);
		s.listen(0, '127.0.0.1', () => {
			const { port } = s.address();
			s.close(() => resolve(port));
		});
	});
}

// Vote i of a deterministic mix: band i mod 5 with a skew to band 0.
export function makeVote(i) {
	const k = i % 7 < 3 ? 0 : (i % 7) - 2;
	const [name, album] = BANDS[k % BANDS.length];
	return { name, album, year: 1985 + (i % 35), rank: 1 + (i % 10) };
}

export async function waitFor(what, fn, timeoutMs = 30000, everyMs = 200) {
	const until = Date.now() + timeoutMs;
	let last;
	while (Date.now() < until) {
		try {
			last = await fn();
			if (last)
				return last;
		} catch (e) {
			last = e;
		}
		await sleep(everyMs);
	}
	throw new Error(`timed out waiting for ${what} (last: ${last})`);
}

export class Pipeline {
	constructor(tag, overrides = {}) {
		this.name = uniqueName(tag);
		this.overrides = overrides;
		this.procs = [];
		this.dir = path.join(buildDir, 'web-tests', this.name);
		fs.mkdirSync(this.dir, { recursive: true });
	}

	env(extra = {}) {
		return {
			...process.env,
			MARIMBA_KAFKA_TOPIC: this.name,
			MARIMBA_KAFKA_DLQ_TOPIC: `${this.name}.dlq`,
			MARIMBA_CONSUMER_GROUP: this.name,
			MARIMBA_SESSION_TIMEOUT_MS: '6000',
			MARIMBA_MONGO_DB: this.name,
			MARIMBA_REDIS_PREFIX: this.name,
			MARIMBA_WEB_ROOT: root,
			...this.overrides,
			...extra,
		};
	}

	spawn(label, cmd, args, env) {
		const log = fs.openSync(path.join(this.dir, `${label}.log`), 'a');
		const p = spawn(cmd, args, { env, detached: true,
		    stdio: ['ignore', log, log] });
		fs.closeSync(log);
		p.label = label;
		p.exited = new Promise((r) => p.on('exit', (code, sig) =>
		    r({ code, sig })));
		this.procs.push(p);
		return p;
	}

	async startKore() {
		this.port = await freePort();
		this.base = `http://127.0.0.1:${this.port}`;
		this.kore = this.spawn('kore', path.join(root, 'kore/run.sh'), [],
		    this.env({ MARIMBA_KORE_MODULE:
		    path.join(buildDir, 'kore/marimba_kore.so'),
		    MARIMBA_HTTP_PORT: String(this.port),
		    MARIMBA_KORE_VAR: this.dir, MARIMBA_KORE_WORKERS:
		    this.overrides.MARIMBA_KORE_WORKERS ?? '2' }));
		await waitFor('kore /healthz', async () =>
		    (await fetch(`${this.base}/healthz`)).status === 200, 20000);
	}

	startConsumer() {
		this.consumer = this.spawn('consumer',
		    path.join(buildDir, 'consumer/marimba-consumer'), [],
		    this.env());
	}

	async startGrpc() {
		this.grpcPort = await freePort();
		this.grpc = this.spawn('grpc',
		    path.join(buildDir, 'producers/marimba-grpc'), [],
		    this.env({ MARIMBA_GRPC_ADDR:
		    `127.0.0.1:${this.grpcPort}` }));
		await waitFor('grpc port', () => new Promise((resolve) => {
			const s = net.connect(this.grpcPort, '127.0.0.1');
			s.on('connect', () => { s.destroy(); resolve(true); });
			s.on('error', () => resolve(false));
		}), 20000);
	}

	// Sends votes through the gRPC producer with marimba-vote; their ids.
	castGrpc(votes) {
		const file = path.join(this.dir, `grpc-${Date.now()}.json`);
		const ids = `${file}.ids`;
		fs.writeFileSync(file, JSON.stringify(votes));
		execFileSync(path.join(buildDir, 'producers/marimba-vote'),
		    ['--addr', `127.0.0.1:${this.grpcPort}`, '--file', file,
		    '--count', String(votes.length), '--ids', ids,
		    '--concurrency', '1'], { stdio: 'ignore' });
		return fs.readFileSync(ids, 'utf8').split('\n').filter(Boolean);
	}

	// POSTs votes to Kore in batches; returns the accepted ids.
	async postVotes(votes, batch = 50) {
		const ids = [];
		for (let i = 0; i < votes.length; i += batch) {
			const r = await fetch(`${this.base}/api/votes`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify(votes.slice(i, i + batch)),
			});
			const body = await r.json();
			if (r.status !== 202)
				throw new Error(`POST /api/votes ${r.status} ` +
				    JSON.stringify(body));
			ids.push(...body.ids);
		}
		return ids;
	}

	async getJson(p) {
		const r = await fetch(`${this.base}${p}`);
		return { status: r.status, headers: r.headers,
		    body: await r.json() };
	}

	async waitTotal(n, timeoutMs = 60000) {
		return waitFor(`${n} votes counted`, async () => {
			const { status, body } = await this.getJson('/api/votes');
			return status === 200 && body.total === n ? body : false;
		}, timeoutMs, 300);
	}

	// How many logs /api/logs lists, 100 a page.
	async countLogs() {
		let n = 0;
		let next = null;
		do {
			const { status, body } = await this.getJson(
			    '/api/logs?limit=100' +
			    (next ? `&before=${next}` : ''));
			if (status !== 200)
				return -1;
			n += body.logs.length;
			next = body.next;
		} while (next !== null);
		return n;
	}

	// The logs are listed a moment after they are counted: the
	// consumer lists a batch once MongoDB has it (docs/redis-keys.md).
	async waitLogs(n, timeoutMs = 30000) {
		return waitFor(`${n} logs listed`, async () =>
		    await this.countLogs() === n, timeoutMs, 300);
	}

	async stop() {
		for (const p of this.procs.reverse()) {
			if (p.exitCode !== null || p.signalCode !== null)
				continue;
			try {
				process.kill(-p.pid, 'SIGTERM');
			} catch { /* already gone */ }
			const t = setTimeout(() => {
				try {
					process.kill(-p.pid, 'SIGKILL');
				} catch { /* gone */ }
			}, 8000);
			await p.exited;
			clearTimeout(t);
		}
		this.procs = [];
		// The run's Mongo database and Redis keys (its Kafka topics
		// stay: deleting them needs the admin API).
		if (!this.overrides.MARIMBA_MONGO_URI)
			await dropMongoDb(this.name);
		try {
			const keys = execFileSync('redis-cli', ['-p',
			    this.overrides.MARIMBA_REDIS_PORT ?? '6379', '--scan',
			    '--pattern', `${this.name}:*`], { encoding: 'utf8' })
			    .split('\n').filter(Boolean);
			for (let i = 0; i < keys.length; i += 500)
				execFileSync('redis-cli', ['-p',
				    this.overrides.MARIMBA_REDIS_PORT ?? '6379',
				    'DEL', ...keys.slice(i, i + 500)],
				    { stdio: 'ignore' });
		} catch { /* a private Redis that is down */ }
	}
}

// BSON of {<cmd>: 1, $db: db}: an int32 and a string element.
function bsonCommand(cmd, db) {
	const el = (type, name, value) => Buffer.concat([Buffer.from([type]),
	    Buffer.from(`${name}\0`), value]);
	const i32 = Buffer.alloc(4);
	i32.writeInt32LE(1);
	const str = Buffer.from(`${db}\0`);
	const slen = Buffer.alloc(4);
	slen.writeInt32LE(str.length);
	const body = Buffer.concat([el(0x10, cmd, i32),
	    el(0x02, '$db', Buffer.concat([slen, str])), Buffer.from([0])]);
	const len = Buffer.alloc(4);
	len.writeInt32LE(body.length + 4);
	return Buffer.concat([len, body]);
}

// Drops a database with one OP_MSG (no driver needed); true if "ok".
export function dropMongoDb(db, port = 27017) {
	return new Promise((resolve) => {
		const doc = bsonCommand('dropDatabase', db);
		const head = Buffer.alloc(21);
		head.writeInt32LE(21 + doc.length, 0);
		head.writeInt32LE(1, 4);
		head.writeInt32LE(0, 8);
		head.writeInt32LE(2013, 12);	// OP_MSG
		head.writeUInt32LE(0, 16);	// flags; byte 20: section kind 0
		const s = net.connect(port, '127.0.0.1');
		let got = Buffer.alloc(0);
		s.setTimeout(5000, () => { s.destroy(); resolve(false); });
		s.on('error', () => resolve(false));
		s.on('connect', () => s.write(Buffer.concat([head, doc])));
		s.on('data', (d) => {
			got = Buffer.concat([got, d]);
			if (got.length >= 4 && got.length >= got.readInt32LE(0)) {
				s.destroy();
				resolve(got.includes(Buffer.from('ok\0')));
			}
		});
	});
}

// A private Redis on port (scripts/stack with its own state dir,
// var/stack-<name>) that a test may stop, flush and start again.
export class PrivateRedis {
	constructor(name, port) {
		this.port = port;
		this.stackDir = path.join('var', `stack-${name}`);
	}

	// scripts/stack verb redis (up, down) in its state dir.
	stack(verb) {
		execFileSync(path.join(root, 'scripts/stack'), [verb, 'redis'], {
			cwd: root,
			stdio: ['ignore', 'ignore', 'inherit'],
			env: { ...process.env, MARIMBA_STACK_DIR: this.stackDir,
			    MARIMBA_REDIS_PORT: String(this.port) },
		});
	}

	// redis-cli args on it: the answer, trimmed.
	cli(...args) {
		return execFileSync('redis-cli', ['-p', String(this.port),
		    ...args], { encoding: 'utf8' }).trim();
	}

	// Removes its state dir (once stopped).
	remove() {
		fs.rmSync(path.join(root, this.stackDir), { recursive: true,
		    force: true });
	}
}

// Runs named checks in order, reports each, exits 1 if any failed.
export async function runChecks(title, setup, checks, teardown) {
	let failed = 0;
	let ctx;
	try {
		ctx = await setup();
		for (const [name, fn] of checks) {
			try {
				await fn(ctx);
				console.log(`ok    ${name}`);
			} catch (e) {
				failed++;
				console.log(`FAIL  ${name}\n      ${e.stack ?? e}`);
			}
		}
	} catch (e) {
		failed++;
		console.log(`FAIL  ${title} setup\n      ${e.stack ?? e}`);
	} finally {
		await teardown(ctx).catch((e) => console.log(`teardown: ${e}`));
	}
	console.log(failed ? `${title}: ${failed} failed` : `${title}: all ok`);
	process.exit(failed ? 1 : 0);
}
