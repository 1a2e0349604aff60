// Benchmark "hostile-files" (issue 14, item 2): crafted DOCX / XLSX / ZIP / XML / PDF / image files of growing
// size sent to every upload point of the BUILT app (`node server.js`, PGlite by default — the single-connection
// engine, the worst case) while another tenant loads pages. It prints each hostile request's answer and time, the
// other tenant's page p95 without the attack and during it (same run, same server), the server's peak RSS (VmHWM of
// /proc/<pid>/status, sampled VmRSS too) and whether the process is still alive. Then the collaboration arm
// (bench/lib/hostile-collab.{js,ts}, written by the collaboration work) for both engines when that module exists;
// its keys are -1 while it does not.
//
// Upload points: API preview of a SPASER document (read token), the SPASER document import form, resource
// attachments (form), indicator values (form, XLSX), DECP (API, XML; and the form for files above 1 MB), the
// collectivité logo (form). Target: every hostile request refused in < 2 s with 413/422, the other tenant's p95 at
// most 2× its no-attack p95, process alive, RSS < 1 GB.
//
// Knobs: BENCH_ENGINE=pglite|postgres  BENCH_BASELINE_S=12  BENCH_ATTACK_MIN_S=12  BENCH_OTHER_CONNECTIONS=4
// Last line: RESULT hostile_max_s=… other_p95_ratio=… rss_peak_mb=… alive=1 collab_other_p95_ratio_pglite=… collab_other_p95_ratio_pg=…
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as H from '../tests/helpers/hostile-files';
import { buildApp, loginCookie, ROOT, startAppOn } from './lib/app.js';
import { sleep } from './lib/net.js';
import { percentile, round, table } from './lib/stats.js';

const PASSWORD = 'Demo-Spaser-2026!';
const ATTACKER = 'admin@demo.spaser.test';
const OTHER = 'achats.metropole@demo.spaser.test';
const ORG_SLUG = 'agglomeration-du-val-d-aurence';
const ORG_ID = 'de000000-0000-4000-8001-000000000001';
const ENGINE: 'pglite' | 'postgres' = process.env.BENCH_ENGINE === 'postgres' ? 'postgres' : 'pglite';
const BASELINE_S = Number(process.env.BENCH_BASELINE_S || 12);
const ATTACK_MIN_S = Number(process.env.BENCH_ATTACK_MIN_S || 12);
const OTHER_CONNECTIONS = Number(process.env.BENCH_OTHER_CONNECTIONS || 4);
const OTHER_PATH = '/collectivites';

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const kb = (n: number) => `${round(n / 1024, 0)} Ko`;

/** VmRSS / VmHWM of a process in MiB (Linux). */
function procStatus(pid: number): { rss: number; hwm: number } | null {
	try {
		const s = readFileSync(`/proc/${pid}/status`, 'utf8');
		const get = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN) / 1024;
		return { rss: get('VmRSS'), hwm: get('VmHWM') };
	} catch {
		return null;
	}
}

/** The other tenant: OTHER_CONNECTIONS loops loading a page; latencies go to the current phase's list. */
function otherTenant(url: string, cookie: string) {
	const phases: Record<string, number[]> = { baseline: [], attack: [] };
	let phase: keyof typeof phases | null = null;
	let stop = false;
	let failures = 0;
	const loops = Array.from({ length: OTHER_CONNECTIONS }, async () => {
		while (!stop) {
			const t = performance.now();
			const current = phase;
			try {
				const r = await fetch(url + OTHER_PATH, { headers: { cookie, accept: 'text/html' }, redirect: 'manual' });
				await r.arrayBuffer();
				if (r.status !== 200) failures++;
				else if (current && current === phase) phases[current].push(performance.now() - t);
			} catch {
				failures++;
				await sleep(100);
			}
		}
	});
	return {
		phases,
		set: (p: keyof typeof phases | null) => (phase = p),
		failures: () => failures,
		stop: async () => {
			stop = true;
			await Promise.all(loops);
		}
	};
}

async function createToken(url: string, cookie: string): Promise<string> {
	const body = new URLSearchParams([
		['name', 'bench hostile-files'],
		['scopes[]', 'read'],
		['scopes[]', 'write']
	]);
	const r = await fetch(`${url}/compte?/createToken`, {
		method: 'POST',
		headers: { cookie, origin: url, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
		body
	});
	const html = await r.text();
	const token = /spc_[A-Za-z0-9_-]{20,}/.exec(html)?.[0];
	if (!token) throw new Error(`token creation failed: HTTP ${r.status}`);
	return token;
}

interface Shot {
	point: string;
	file: string;
	size: number;
	/** An ordinary file sent as a control (must be accepted), not an attack. */
	control?: boolean;
	send: () => Promise<Response>;
}

function form(field: string, name: string, bytes: Uint8Array): FormData {
	const f = new FormData();
	f.append(field, new Blob([new Uint8Array(bytes)]), name);
	return f;
}

async function main() {
	buildApp();
	console.log(
		`bench hostile-files: engine ${ENGINE}, other tenant ${OTHER} loading GET ${OTHER_PATH} with ${OTHER_CONNECTIONS} connections; ` +
			`node ${process.version}, ${cpus().length} CPU(s) shared by server, database and load generator`
	);
	console.error('bench: crafting the files …');
	const files = {
		docxRepeat96k: H.docxParagraphBomb(900_000),
		docxRepeat400k: H.docxParagraphBomb(4_000_000),
		docxVaried430k: H.docxParagraphBomb(62_000, true),
		docxVaried714k: H.docxParagraphBomb(104_000, true),
		docxVaried2m: H.docxParagraphBomb(300_000, true),
		docxZeros50: H.docxZeros(50),
		docxZeros1g: H.docxZeros(1000),
		docxLying60: H.docxLyingSize(60),
		docxLying500: H.docxLyingSize(500),
		docxOverlap: H.docxOverlapping(),
		docxEntries5k: H.docxManyEntries(5000),
		docxNested: H.docxNested(),
		docxDeep: H.docxDeep(20_000),
		docxEntities: H.docxEntities(),
		xlsxCells300k: H.xlsxCells(300_000),
		xlsxCells1m: H.xlsxCells(1_000_000),
		xlsxStrings: H.xlsxSharedStrings(500_000),
		xlsxZeros: H.xlsxZeros(300),
		xmlDeep: H.xmlDeep(100_000),
		xmlAttrs: H.xmlAttributes(60_000),
		xmlEntities: H.xmlEntities(),
		xmlMany11m: H.xmlManyElements(1_200_000),
		pdf300: H.pdfBomb(300),
		png: H.pngHuge(100_000, 100_000),
		ordinaryDocx: await H.legitLargeDocx(20)
	};

	/** @type {(() => Promise<void>)[]} */
	const cleanups: (() => Promise<void>)[] = [];
	try {
		const app = await startAppOn(ENGINE, { label: ENGINE });
		cleanups.push(app.stop);
		const { url, pid } = app;
		console.log(
			`${ENGINE}: server ready in ${app.startupMs} ms (${url}), RSS after start ${round(procStatus(pid)?.rss ?? NaN, 0)} MiB`
		);

		const attacker = await loginCookie(url, ATTACKER, PASSWORD);
		const otherCookie = await loginCookie(url, OTHER, PASSWORD);
		const token = await createToken(url, attacker);
		const api = (method: string, path: string, body: unknown) =>
			fetch(`${url}/api/v1${path}`, {
				method,
				headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
				body: JSON.stringify(body)
			});
		const created = await api('POST', '/resources', {
			orgId: ORG_ID,
			resource: {
				kind: 'clause',
				title: 'Clause de test des pièces jointes',
				summary: 'Ressource créée par le banc hostile-files.',
				body: 'Texte de la clause.',
				family: 'sociale',
				mechanism: 'condition_execution',
				segments: ['services.nettoyage'],
				cpvCodes: ['90910000-9']
			}
		});
		const resourceId = ((await created.json()) as { id?: string }).id;
		if (!resourceId) throw new Error(`resource creation failed: HTTP ${created.status}`);

		const post = (path: string, body: FormData) =>
			fetch(url + path, {
				method: 'POST',
				headers: { cookie: attacker, origin: url, accept: 'text/html' },
				body,
				redirect: 'manual'
			});
		const preview = (bytes: Uint8Array) => () =>
			api('POST', '/spasers/import-document/preview', { fileName: 'spaser.docx', contentBase64: b64(bytes) });
		const shots: Shot[] = [];
		const add = (point: string, file: keyof typeof files, send: (bytes: Uint8Array) => () => Promise<Response>) =>
			shots.push({ point, file, size: files[file].byteLength, send: send(files[file]) });
		// API preview (read scope is enough): bodies of at most 1 MB, so files of at most ~700 KB.
		for (const f of [
			'docxRepeat96k',
			'docxVaried430k',
			'docxVaried714k',
			'docxZeros50',
			'docxLying60',
			'docxOverlap',
			'docxEntries5k',
			'docxNested',
			'docxDeep',
			'docxEntities'
		] as const)
			add('API preview', f, preview);
		// Forms (multipart, up to 10 MB).
		const importForm = (bytes: Uint8Array) => () =>
			post(`/collectivites/${ORG_SLUG}/spaser/importer/document`, form('file', 'spaser.docx', bytes));
		for (const f of ['docxRepeat400k', 'docxVaried2m', 'docxZeros1g', 'docxLying500'] as const)
			add('SPASER import form', f, importForm);
		const attach = (name: string) => (bytes: Uint8Array) => () =>
			post(`/ressources/clauses/${resourceId}?/attach`, form('file', name, bytes));
		for (const f of ['docxVaried714k', 'docxVaried2m', 'docxZeros1g', 'docxOverlap'] as const)
			add('resource attachment', f, attach('annexe.docx'));
		for (const f of ['xlsxCells1m', 'xlsxStrings', 'xlsxZeros'] as const)
			add('resource attachment', f, attach('annexe.xlsx'));
		add('resource attachment', 'pdf300', attach('annexe.pdf'));
		const values = (bytes: Uint8Array) => () =>
			post(`/indicateurs/import?org=${ORG_SLUG}`, form('file', 'valeurs.xlsx', bytes));
		for (const f of ['xlsxCells300k', 'xlsxCells1m', 'xlsxStrings', 'xlsxZeros'] as const)
			add('indicator values form', f, values);
		const decpApi = (bytes: Uint8Array) => () =>
			api('POST', `/organisations/${ORG_ID}/decp-imports`, {
				fileName: 'decp.xml',
				content: new TextDecoder().decode(bytes)
			});
		for (const f of ['xmlDeep', 'xmlAttrs', 'xmlEntities'] as const) add('DECP API', f, decpApi);
		add(
			'DECP form',
			'xmlMany11m',
			(bytes) => () => post(`/indicateurs/decp?/import&org=${ORG_SLUG}`, form('file', 'decp.xml', bytes))
		);
		// Control: a large but ordinary SPASER (≈190 pages) through the same form, which must still be imported (303).
		shots.push({
			point: 'SPASER import form',
			file: 'ordinaryDocx',
			size: files.ordinaryDocx.byteLength,
			control: true,
			send: importForm(files.ordinaryDocx)
		});
		add(
			'logo form',
			'png',
			(bytes) => () => post(`/collectivites/${ORG_SLUG}/parametres?/logo`, form('logo', 'logo.png', bytes))
		);

		// RSS sampling for the whole measured part.
		let rssMax = 0;
		const sampler = setInterval(() => {
			const s = procStatus(pid);
			if (s && s.rss > rssMax) rssMax = s.rss;
		}, 50);
		cleanups.push(async () => clearInterval(sampler));

		const other = otherTenant(url, otherCookie);
		cleanups.push(other.stop);
		await sleep(2000); // warm-up
		other.set('baseline');
		await sleep(BASELINE_S * 1000);
		other.set(null);

		// The attack: every shot in turn (one attacker), repeated until ATTACK_MIN_S have passed; the first round is reported.
		const results: {
			point: string;
			file: string;
			size: number;
			status: number;
			ms: number;
			code: string;
			control: boolean;
		}[] = [];
		const all: number[] = [];
		other.set('attack');
		const attackStart = Date.now();
		let round1 = true;
		do {
			for (const shot of shots) {
				const t = performance.now();
				let status = 0;
				let code = '';
				try {
					const r = await shot.send();
					status = r.status;
					const text = await r.text();
					code =
						/"code":"([a-z_]+)"/.exec(text)?.[1] ??
						/(trop (?:volumineux|complexe|grande)[^<."]{0,60})/.exec(text)?.[1] ??
						'';
				} catch (e) {
					code = `network error: ${(e as Error).message}`;
				}
				const ms = performance.now() - t;
				if (!shot.control) all.push(ms);
				if (round1)
					results.push({
						point: shot.point,
						file: shot.file,
						size: shot.size,
						status,
						ms,
						code,
						control: !!shot.control
					});
			}
			round1 = false;
		} while (Date.now() - attackStart < ATTACK_MIN_S * 1000);
		other.set(null);
		await other.stop();
		clearInterval(sampler);

		const health = await fetch(`${url}/healthz`).then(
			(r) => r.status,
			() => 0
		);
		const alive = health === 200 && procStatus(pid) !== null ? 1 : 0;
		const hwm = procStatus(pid)?.hwm ?? rssMax;

		console.log('');
		console.log(
			table(
				['upload point', 'file', 'size', 'HTTP', 'seconds', 'answer'],
				results.map((r) => [
					r.point,
					r.control ? `${r.file} (control)` : r.file,
					kb(r.size),
					r.status,
					round(r.ms / 1000, 2),
					r.code.slice(0, 70)
				])
			)
		);
		const hostile = results.filter((r) => !r.control);
		const refused = hostile.filter((r) => r.status === 413 || r.status === 422).length;
		const controls = results.filter((r) => r.control);
		const base = other.phases.baseline;
		const attack = other.phases.attack;
		const p95Base = percentile(base, 95);
		const p95Attack = percentile(attack, 95);
		const hostileMax = Math.max(...all) / 1000;
		console.log('');
		console.log(
			`hostile requests: ${all.length} sent (${hostile.length} distinct), first round ${refused}/${hostile.length} refused with 413/422; slowest answer ${round(hostileMax, 2)} s`
		);
		console.log(
			`control (ordinary ${kb(files.ordinaryDocx.byteLength)} DOCX): ${controls.map((r) => `HTTP ${r.status} in ${round(r.ms / 1000, 2)} s`).join(', ')} (303 = imported)`
		);
		console.log(
			`other tenant (${OTHER}): without attack ${base.length} pages, p50 ${round(percentile(base, 50))} ms, p95 ${round(p95Base)} ms; ` +
				`during the attack ${attack.length} pages, p50 ${round(percentile(attack, 50))} ms, p95 ${round(p95Attack)} ms; failures ${other.failures()}`
		);
		console.log(
			`server: alive ${alive ? 'yes' : 'NO'} (healthz ${health}), peak RSS ${round(hwm, 0)} MiB (VmHWM; sampled max during the run ${round(rssMax, 0)} MiB)`
		);
		await app.stop();

		const collab = await collabArm();
		console.log(
			`RESULT hostile_max_s=${round(hostileMax, 2)} other_p95_ratio=${round(p95Attack / p95Base, 2)} rss_peak_mb=${round(hwm, 0)} alive=${alive} ` +
				`collab_other_p95_ratio_pglite=${collab.pglite} collab_other_p95_ratio_pg=${collab.pg}`
		);
	} finally {
		for (const c of cleanups.reverse()) {
			try {
				await c();
			} catch (e) {
				console.error(`cleanup failed: ${e}`);
			}
		}
	}
}

/** The collaboration arm (bench/lib/hostile-collab.{js,ts}, another piece of work): -1 for both while it is missing. */
async function collabArm(): Promise<{ pglite: number; pg: number }> {
	const file = ['js', 'ts']
		.map((ext) => join(ROOT, 'bench', 'lib', `hostile-collab.${ext}`))
		.find((f) => existsSync(f));
	if (!file) {
		console.log('collaboration arm: bench/lib/hostile-collab.(js|ts) not found, keys reported as -1');
		return { pglite: -1, pg: -1 };
	}
	const mod = (await import(pathToFileURL(file).href)) as {
		runCollabArm: (o: { engine: 'pglite' | 'postgres' }) => Promise<{ ratio: number }>;
	};
	const pglite = await mod.runCollabArm({ engine: 'pglite' });
	const pg = await mod.runCollabArm({ engine: 'postgres' });
	console.log(
		`collaboration arm: other tenant p95 ratio ${round(pglite.ratio, 2)} (PGlite), ${round(pg.ratio, 2)} (PostgreSQL)`
	);
	return { pglite: round(pglite.ratio, 2), pg: round(pg.ratio, 2) };
}

await main();
