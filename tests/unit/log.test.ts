import { describe, expect, it } from 'vitest';
import { formatLogLine, redactString } from '../../src/lib/server/kit/log';

const apiToken = 'spc_abcdefghijklmnop_abcdefghijklmnopqrstuvwxyz234567';

describe('log redaction', () => {
	it('masks the secret segment of invitation and calendar-feed paths', () => {
		expect(redactString('/invitation/k3x9secretsecret')).toBe('/invitation/…');
		expect(redactString('/invitation/k3x9secretsecret/accepter')).toBe('/invitation/…/accepter');
		expect(redactString('/guichet/calendrier/abcdef234567abcdef.ics')).toBe('/guichet/calendrier/….ics');
		expect(redactString('GET http://x.test/guichet/calendrier/abc.ics?x=1 failed')).toBe(
			'GET http://x.test/guichet/calendrier/….ics?x=1 failed'
		);
		// other paths are left as they are
		expect(redactString('/collectivites/val-d-aurence/membres')).toBe('/collectivites/val-d-aurence/membres');
	});

	it('masks token query parameters, API tokens, session cookies, bearer headers and URL passwords', () => {
		expect(redactString('/mot-de-passe/nouveau?token=abc123&x=1')).toBe('/mot-de-passe/nouveau?token=…&x=1');
		expect(redactString('/verifier-email?token=zzz')).toBe('/verifier-email?token=…');
		expect(redactString(`refused ${apiToken}.`)).toBe('refused spc_….');
		expect(redactString('cookie: spaser_session=aaaa.bbbb; other=1')).toBe('cookie: spaser_session=…; other=1');
		expect(redactString('Authorization: Bearer xyz.abc')).toBe('Authorization: Bearer …');
		expect(redactString('connect ECONNREFUSED postgres://app:S3cr3t-pw@db.example.org:5432/spaser')).toBe(
			'connect ECONNREFUSED postgres://app:…@db.example.org:5432/spaser'
		);
		expect(redactString('smtps://mailer:p%40ss@smtp.example.org:465')).toBe('smtps://mailer:…@smtp.example.org:465');
		// a URL without credentials is untouched
		expect(redactString('http://127.0.0.1:3000/healthz')).toBe('http://127.0.0.1:3000/healthz');
	});

	it('masks fields named like secrets, at any depth, and redacts strings inside objects and arrays', () => {
		const line = JSON.parse(
			formatLogLine('info', 'login', {
				email: 'a@b.test',
				password: 'Hunter2-Hunter2',
				nested: { apiToken, sessionCookie: 'x.y', list: ['/invitation/s3cret'] },
				authorization: 'Bearer zzz',
				count: 3,
				empty: null
			})
		);
		expect(line).toMatchObject({
			level: 'info',
			msg: 'login',
			email: 'a@b.test',
			password: '…',
			nested: { apiToken: '…', sessionCookie: '…', list: ['/invitation/…'] },
			authorization: '…',
			count: 3,
			empty: null
		});
		expect(JSON.stringify(line)).not.toMatch(/Hunter2|s3cret|zzz|abcdefghijklmnop_/);
	});

	it('writes a field unredacted only when the caller names it raw (the outbox body outside production)', () => {
		const body = 'Votre lien : http://x.test/mot-de-passe/nouveau?token=abc';
		const raw = JSON.parse(formatLogLine('info', 'email kept', { body, subject: '?token=abc' }, { raw: ['body'] }));
		expect(raw.body).toBe(body);
		expect(raw.subject).toBe('?token=…');
		expect(JSON.parse(formatLogLine('info', 'email kept', { body })).body).toBe(
			'Votre lien : http://x.test/mot-de-passe/nouveau?token=…'
		);
	});

	it('redacts the message itself', () => {
		expect(JSON.parse(formatLogLine('error', `bad token ${apiToken}`)).msg).toBe('bad token spc_…');
	});
});

describe('one way to log', () => {
	it('server code logs through src/lib/server/log.ts only (redacted, LOG_FILE), never console.*', async () => {
		const { readdirSync, readFileSync } = await import('node:fs');
		const { join, relative } = await import('node:path');
		const root = join(__dirname, '..', '..');
		const walk = (dir: string): string[] =>
			readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
				e.isDirectory() ? walk(join(dir, e.name)) : /\.(ts|js)$/.test(e.name) ? [join(dir, e.name)] : []
			);
		const offenders = [
			...walk(join(root, 'src', 'lib', 'server')),
			...walk(join(root, 'src', 'routes')),
			join(root, 'src', 'hooks.server.ts')
		]
			.filter((f) => /\bconsole\.(log|info|warn|error|debug)\s*\(/.test(readFileSync(f, 'utf8')))
			.map((f) => relative(root, f));
		expect(offenders).toEqual([]);
	});
});
