import { createServer as createNetServer } from 'node:net';
import nodemailer, { type Transporter } from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { asService, type Database, type Tx } from '../../src/lib/server/db';
import { enqueueEmail, renderEmail } from '../../src/lib/server/email/outbox';
import { deliverOutbox, logUndeliverable } from '../../src/lib/server/email/worker';
import { engines, openTestDb } from '../helpers/engines';
import { outbox, uniqueEmail } from '../helpers/factories';

// ---------------------------------------------------------------------------------------------------------
// A real SMTP server on a random local port, and just enough MIME decoding to read what it received.
// ---------------------------------------------------------------------------------------------------------
interface Received {
	envelopeTo: string[];
	raw: string;
	to: string;
	subject: string;
	text: string;
	html: string;
}

function decodeWords(s: string): string {
	return s
		.replace(/\?=\s+=\?/g, '?==?')
		.replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_, _charset, enc: string, data: string) => {
			if (enc.toUpperCase() === 'B') return Buffer.from(data, 'base64').toString('utf8');
			const bytes = data
				.replace(/_/g, ' ')
				.replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
			return Buffer.from(bytes, 'latin1').toString('utf8');
		});
}

function decodeBody(body: string, encoding: string): string {
	if (/base64/i.test(encoding)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
	if (/quoted-printable/i.test(encoding)) {
		const bytes = body
			.replace(/=\r?\n/g, '')
			.replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
		return Buffer.from(bytes, 'latin1').toString('utf8');
	}
	return body;
}

function parseHeaders(block: string): Record<string, string> {
	const headers: Record<string, string> = {};
	for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
		const i = line.indexOf(':');
		if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
	}
	return headers;
}

/** Splits a message into headers and (recursively, for multipart) its text/plain and text/html parts. */
function parseMessage(raw: string): { headers: Record<string, string>; text: string; html: string } {
	const split = raw.search(/\r?\n\r?\n/);
	const headers = parseHeaders(raw.slice(0, split));
	const body = raw.slice(split).replace(/^\r?\n\r?\n/, '');
	const type = headers['content-type'] ?? 'text/plain';
	const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
	if (/^multipart\//i.test(type) && boundary) {
		let text = '';
		let html = '';
		for (const part of body.split('--' + boundary).slice(1)) {
			if (part.startsWith('--')) break;
			const p = parseMessage(part.replace(/^\r?\n/, ''));
			text ||= p.text;
			html ||= p.html;
		}
		return { headers, text, html };
	}
	const decoded = decodeBody(body, headers['content-transfer-encoding'] ?? '');
	return /text\/html/i.test(type) ? { headers, text: '', html: decoded } : { headers, text: decoded, html: '' };
}

class TestSmtp {
	received: Received[] = [];
	private server: SMTPServer | null = null;
	port = 0;

	async start(port = 0) {
		const server = new SMTPServer({
			authOptional: true,
			disabledCommands: ['STARTTLS'],
			logger: false,
			onData: (stream, session, callback) => {
				const chunks: Buffer[] = [];
				stream.on('data', (c: Buffer) => chunks.push(c));
				stream.on('end', () => {
					const raw = Buffer.concat(chunks).toString('utf8');
					const { headers, text, html } = parseMessage(raw);
					this.received.push({
						envelopeTo: session.envelope.rcptTo.map((r) => r.address),
						raw,
						to: decodeWords(headers['to'] ?? ''),
						subject: decodeWords(headers['subject'] ?? ''),
						text: text.replace(/\r\n/g, '\n'),
						html
					});
					callback();
				});
			}
		});
		await new Promise<void>((resolve, reject) => {
			server.once('error', reject);
			server.listen(port, '127.0.0.1', () => resolve());
		});
		this.server = server;
		this.port = (server.server.address() as { port: number }).port;
		return this;
	}

	async stop() {
		const s = this.server;
		this.server = null;
		if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
	}
}

function transportTo(port: number): Transporter {
	return nodemailer.createTransport({
		host: '127.0.0.1',
		port,
		secure: false,
		ignoreTLS: true,
		connectionTimeout: 5000,
		greetingTimeout: 5000,
		socketTimeout: 10_000
	});
}

async function closedPort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const srv = createNetServer();
		srv.listen(0, '127.0.0.1', () => {
			const { port } = srv.address() as { port: number };
			srv.close(() => resolve(port));
		});
		srv.on('error', reject);
	});
}

// ---------------------------------------------------------------------------------------------------------

describe.each(engines)('e-mail outbox on %s', (engine) => {
	let db: Database;
	let smtp: TestSmtp;
	let transport: Transporter;
	const svc = <T>(fn: (tx: Tx) => Promise<T>) => asService(db, 'test', fn);

	async function queue(to: string, subject: string, paragraphs = ['Un paragraphe.']) {
		return svc((tx) =>
			enqueueEmail(tx, {
				to,
				subject,
				kind: 'test',
				...renderEmail({ paragraphs, action: { label: 'Ouvrir', url: 'http://localhost:3000/a?b=1&c=2' } })
			})
		);
	}

	/** Takes every due mail left by earlier tests out of the way, so each test counts only its own. */
	async function drain() {
		await svc((tx) => tx.query(`update public.email_outbox set sent_at = now() where sent_at is null`));
	}

	beforeAll(async () => {
		db = await openTestDb(engine);
		smtp = await new TestSmtp().start();
		transport = transportTo(smtp.port);
	});
	afterEach(async () => {
		vi.restoreAllMocks();
		smtp.received = [];
		await drain();
	});
	afterAll(async () => {
		transport?.close();
		await smtp?.stop();
		await db?.close();
	});

	it('delivers queued mails over SMTP and marks them sent', async () => {
		const to = uniqueEmail('dest');
		const id = await queue(to, 'Réinitialisation — « essai » : ça marche ?', [
			'Première ligne avec des accents : é à ç œ.',
			'Deuxième < & >.'
		]);
		const result = await deliverOutbox(db, transport, 'SPASER Commun <no-reply@example.test>');
		expect(result).toEqual({ sent: 1, failed: 0, retried: 0 });

		expect(smtp.received).toHaveLength(1);
		const m = smtp.received[0];
		expect(m.envelopeTo).toEqual([to]);
		expect(m.to).toBe(to);
		expect(m.subject).toBe('Réinitialisation — « essai » : ça marche ?');
		expect(m.raw).toMatch(/^From: SPASER Commun <no-reply@example\.test>/m);
		expect(m.text).toContain('Première ligne avec des accents : é à ç œ.');
		expect(m.text).toContain('Ouvrir : http://localhost:3000/a?b=1&c=2');
		expect(m.html).toContain('<p>Deuxième &#60; &#38; &#62;.</p>');
		expect(m.html).toContain('href="http://localhost:3000/a?b=1&#38;c=2"');

		const [row] = (await outbox(db, to)).filter((r) => r.id === id);
		expect(row.sent_at).toBeInstanceOf(Date);
		expect(row).toMatchObject({ attempts: 1, last_error: null, locked_until: null, failed_at: null });

		// Nothing left to send: a second run sends nothing again.
		expect(await deliverOutbox(db, transport)).toEqual({ sent: 0, failed: 0, retried: 0 });
		expect(smtp.received).toHaveLength(1);
	});

	it('keeps the mail with backoff when the server is down, and delivers it when it is back', async () => {
		const to = uniqueEmail('retry');
		const id = await queue(to, 'Message en attente');
		const down = await new TestSmtp().start();
		const port = down.port;
		await down.stop(); // the port is now closed
		const downTransport = transportTo(port);
		vi.spyOn(process.stderr, 'write').mockImplementation(() => true); // the worker logs the failure

		const before = Date.now();
		expect(await deliverOutbox(db, downTransport)).toEqual({ sent: 0, failed: 0, retried: 1 });
		let [row] = await outbox(db, to);
		expect(row.id).toBe(id);
		expect(row.sent_at).toBeNull();
		expect(row.failed_at).toBeNull();
		expect(row.attempts).toBe(1);
		expect(row.locked_until).toBeNull();
		expect(row.last_error).toMatch(/ECONNREFUSED|connect/i);
		expect(row.next_attempt_at.getTime()).toBeGreaterThan(before + 10_000);

		// Not due yet: a new run does not retry it.
		expect(await deliverOutbox(db, downTransport)).toEqual({ sent: 0, failed: 0, retried: 0 });

		// The server comes back on the same port; make the mail due now instead of waiting for the backoff.
		const back = await new TestSmtp().start(port);
		try {
			await svc((tx) => tx.query('update public.email_outbox set next_attempt_at = now() where id = $1', [id]));
			expect(await deliverOutbox(db, downTransport)).toEqual({ sent: 1, failed: 0, retried: 0 });
			expect(back.received.map((m) => [m.to, m.subject])).toEqual([[to, 'Message en attente']]);
			[row] = await outbox(db, to);
			expect(row).toMatchObject({ attempts: 2, last_error: null });
			expect(row.sent_at).toBeInstanceOf(Date);
		} finally {
			downTransport.close();
			await back.stop();
		}
	});

	it('gives up after the last attempt (failed_at set, never retried)', async () => {
		const to = uniqueEmail('giveup');
		const id = await queue(to, 'Jamais livré');
		await svc((tx) => tx.query('update public.email_outbox set attempts = 7 where id = $1', [id]));
		const dead = transportTo(await closedPort());
		vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
		expect(await deliverOutbox(db, dead)).toEqual({ sent: 0, failed: 1, retried: 0 });
		const [row] = await outbox(db, to);
		expect(row.attempts).toBe(8);
		expect(row.failed_at).toBeInstanceOf(Date);
		await svc((tx) => tx.query('update public.email_outbox set next_attempt_at = now() where id = $1', [id]));
		expect(await deliverOutbox(db, transport)).toEqual({ sent: 0, failed: 0, retried: 0 });
		expect(smtp.received).toEqual([]);
		dead.close();
	});

	it('concurrent workers never send the same message twice', async () => {
		const prefix = uniqueEmail('bulk').split('@')[0];
		const n = 45;
		for (let i = 0; i < n; i++) await queue(`${prefix}-${i}@example.test`, `Lot ${prefix} n° ${i}`);
		// Four workers at once, each with its own SMTP connection; repeat until the queue is empty.
		const workers = Array.from({ length: 4 }, () => transportTo(smtp.port));
		try {
			let total = 0;
			for (let round = 0; round < 5 && total < n; round++) {
				const results = await Promise.all(workers.map((t) => deliverOutbox(db, t)));
				total += results.reduce((s, r) => s + r.sent, 0);
			}
			expect(total).toBe(n);
		} finally {
			for (const t of workers) t.close();
		}
		const subjects = smtp.received.map((m) => m.subject).filter((s) => s.startsWith(`Lot ${prefix} `));
		expect(subjects).toHaveLength(n);
		expect(new Set(subjects).size).toBe(n);
		const rows = await svc((tx) =>
			tx.query<{ attempts: number; sent: boolean }>(
				`select attempts, sent_at is not null as sent from public.email_outbox where to_address like $1`,
				[`${prefix}-%`]
			)
		);
		expect(rows).toHaveLength(n);
		for (const r of rows) expect(r).toEqual({ attempts: 1, sent: true });
	});

	it('without SMTP, logUndeliverable logs each mail once, keeps it, and it goes out once SMTP is configured', async () => {
		const to = uniqueEmail('nosmtp');
		const id = await queue(to, 'Sans serveur de messagerie');
		const lines: string[] = [];
		vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
			lines.push(String(chunk));
			return true;
		});
		expect(await logUndeliverable(db)).toBe(1);
		expect(await logUndeliverable(db)).toBe(0);
		vi.restoreAllMocks();
		const logged = lines.map((l) => JSON.parse(l)).filter((l) => l.id === id);
		expect(logged).toHaveLength(1);
		expect(logged[0]).toMatchObject({ level: 'info', to, subject: 'Sans serveur de messagerie' });
		expect(logged[0].body).toContain('Un paragraphe.');
		const [row] = await outbox(db, to);
		expect(row.sent_at).toBeNull();
		expect(row.last_error).toContain('no SMTP_URL');
		// When SMTP is configured later, the kept mail is delivered.
		const result = await deliverOutbox(db, transport);
		expect(result.sent).toBeGreaterThanOrEqual(1);
		const [after] = await outbox(db, to);
		expect(after.sent_at).not.toBeNull();
	});

	it('a mail queued in a transaction that rolls back is never sent', async () => {
		const to = uniqueEmail('rollback');
		await expect(
			svc(async (tx) => {
				await enqueueEmail(tx, { to, subject: 'Annulé', text: 'x' });
				throw new Error('action failed');
			})
		).rejects.toThrow('action failed');
		expect(await outbox(db, to)).toEqual([]);
		await deliverOutbox(db, transport);
		expect(smtp.received).toEqual([]);
	});
});
