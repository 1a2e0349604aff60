import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SETTINGS, readSettings } from '../../src/lib/server/kit/settings.js';
import { readConfig } from '../../src/lib/server/kit/config';

/** The README's « Configuration » table: name → default cell. */
function readmeTable(): Map<string, string> {
	const readme = readFileSync('README.md', 'utf8');
	const section = readme.slice(
		readme.indexOf('## Configuration'),
		readme.indexOf('\n## ', readme.indexOf('## Configuration') + 3)
	);
	const rows = new Map<string, string>();
	for (const line of section.split('\n')) {
		const m = /^\| (`[A-Z0-9_]+`(?:, `[A-Z0-9_]+`)*) \| (.*?) \| .* \|$/.exec(line);
		if (!m) continue;
		const names = m[1].split(', ').map((n) => n.replaceAll('`', ''));
		const defaults =
			names.length > 1 && m[2].split(', ').length === names.length ? m[2].split(', ') : names.map(() => m[2]);
		names.forEach((n, i) => rows.set(n, defaults[i]));
	}
	return rows;
}

/** How the README must state a setting's default. */
const shown = (s: (typeof SETTINGS)[number]) =>
	s.shown ?? (s.type === 'switch' ? 'on' : typeof s.default === 'string' ? `\`${s.default}\`` : '*(unset)*');

function files(dir: string): string[] {
	return readdirSync(dir).flatMap((f) => {
		const p = join(dir, f);
		return statSync(p).isDirectory() ? files(p) : /\.(ts|js|svelte)$/.test(f) ? [p] : [];
	});
}

describe('configuration', () => {
	it('the README table lists exactly the settings of the module, with the same defaults', () => {
		const table = readmeTable();
		expect([...table.keys()].sort()).toEqual(SETTINGS.map((s) => s.name).sort());
		for (const s of SETTINGS) expect(table.get(s.name), s.name).toBe(shown(s));
	});

	it('`node server.js` and `npm start` share the defaults: demo data on, except in production', () => {
		expect(readConfig({}).demoData).toBe(true);
		expect(readConfig({ NODE_ENV: 'production' }).demoData).toBe(false);
		expect(readConfig({ NODE_ENV: 'production', DEMO_DATA: '1' }).demoData).toBe(true);
		expect(readConfig({ DEMO_DATA: '0' }).demoData).toBe(false);
		expect(readConfig({}).logEmailBodies).toBe(true);
		expect(readConfig({ NODE_ENV: 'production' }).logEmailBodies).toBe(false);
	});

	it('reads each type as documented, and falls back to the default on a value out of range', () => {
		const c = readConfig({
			PORT: '8080',
			OUTBOX_WORKER: '0',
			DATABASE_PREPARE: 'false',
			BENCHMARK_PUBLISH_HOUR: '24',
			LOGIN_LIMIT_PER_IP: '0',
			FILE_WORKER_QUEUE: '0'
		});
		expect(c.port).toBe(8080);
		expect(c.origin).toBe('http://localhost:8080');
		expect(c.outboxWorker).toBe(false);
		expect(readConfig({}).outboxWorker).toBe(true);
		expect(c.databasePrepare).toBe(false);
		expect(readConfig({}).databasePrepare).toBe(true);
		expect(c.benchmarkPublishHour).toBe(2);
		expect(c.login.perIp).toBe(0);
		expect(c.files.queue).toBe(6);
		expect(readConfig({ ORIGIN: 'https://spaser.example.org/' }).origin).toBe('https://spaser.example.org');
		expect(readConfig({}).dataDir).toBe('./.data');
		expect(readConfig({}).retentionDays.AUDIT_DAYS).toBe(5 * 365);
	});

	it('every setting has a meaning and a valid default for its type', () => {
		const values = readSettings({});
		for (const s of SETTINGS) {
			expect(s.doc.length, s.name).toBeGreaterThan(5);
			if (s.type === 'number') expect(Number.isFinite(values[s.name]), s.name).toBe(true);
		}
	});

	it('no code reads process.env outside the settings module (test and bench tooling knobs excepted)', () => {
		// The test tooling reads its own knobs (documented in the same table, scope « tests »).
		const allowed: Record<string, string[]> = {
			'scripts/test.js': ['CHROMIUM_PATH', 'PLAYWRIGHT_JSON_OUTPUT_NAME'],
			'scripts/lib/pg-temp.js': ['PG_BIN']
		};
		const own = new Set(['src/lib/server/kit/settings.js', 'src/lib/server/kit/config.ts']);
		const offenders: string[] = [];
		for (const file of [...files('src'), ...files('scripts'), 'server.js']) {
			if (own.has(file)) continue;
			const text = readFileSync(file, 'utf8');
			for (const m of text.matchAll(/process\.env(?:\.([A-Z0-9_]+)(?![A-Z0-9_])|\[)(?!\s*(?:\|\|)?=(?!=))/g)) {
				if (m[1] && allowed[file]?.includes(m[1])) continue;
				offenders.push(`${file}: ${m[0]}`);
			}
		}
		expect(offenders).toEqual([]);
	});
});
