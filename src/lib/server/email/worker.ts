import nodemailer, { type Transporter } from 'nodemailer';
// Internal helper of nodemailer that parses smtp:// URLs (with ?tls.x= options). nodemailer 10 is ESM: no default export.
import * as shared from 'nodemailer/lib/shared/index.js';
import type { Database } from '../db';
import { asService } from '../db';
import { log } from '$lib/server/kit/log';
import type { EmailAttachment } from './outbox';
import { startJob } from '$lib/server/kit/jobs';
import { config } from '$lib/server/kit/config';

const MAX_ATTEMPTS = 8;
const BATCH = 20;

export interface DeliveryResult {
	sent: number;
	failed: number;
	retried: number;
}

function backoffSeconds(attempt: number) {
	return Math.min(60 * 60, 15 * 2 ** (attempt - 1)); // 15 s, 30 s, 1 min … capped at 1 h
}

export function transportFromUrl(url: string): Transporter {
	// Timeouts well under the 2-minute claim lease, so a stalled send is never picked up twice.
	const options = shared.parseConnectionUrl(url);
	return nodemailer.createTransport({
		...options,
		connectionTimeout: 20_000,
		greetingTimeout: 20_000,
		socketTimeout: 60_000
	});
}

/**
 * Delivers due outbox messages once. Rows are claimed with FOR UPDATE SKIP LOCKED and a lease, so several
 * instances never send the same message twice; failures are retried with exponential backoff.
 */
export async function deliverOutbox(
	db: Database,
	transport: Transporter,
	from = config.smtpFrom
): Promise<DeliveryResult> {
	const result: DeliveryResult = { sent: 0, failed: 0, retried: 0 };
	const batch = await asService(db, 'outbox claim', (tx) =>
		tx.query<{
			id: string;
			to_address: string;
			subject: string;
			text_body: string;
			html_body: string | null;
			attempts: number;
			attachments: EmailAttachment[] | null;
		}>(
			`update public.email_outbox o set locked_until = now() + interval '2 minutes', attempts = o.attempts + 1
			  where o.id in (select id from public.email_outbox
			                  where sent_at is null and failed_at is null and next_attempt_at <= now()
			                    and (locked_until is null or locked_until < now())
			                  order by next_attempt_at limit ${BATCH} for update skip locked)
			 returning o.id, o.to_address, o.subject, o.text_body, o.html_body, o.attempts, o.attachments`
		)
	);
	for (const m of batch) {
		try {
			await transport.sendMail({
				from,
				to: m.to_address,
				subject: m.subject,
				text: m.text_body,
				html: m.html_body ?? undefined,
				attachments: m.attachments?.map((a) => ({
					filename: a.filename,
					contentType: a.contentType,
					content: a.content
				}))
			});
			await asService(db, 'outbox sent', (tx) =>
				tx.query(
					'update public.email_outbox set sent_at = now(), locked_until = null, last_error = null where id = $1',
					[m.id]
				)
			);
			result.sent++;
		} catch (e) {
			const err = String((e as Error).message ?? e).slice(0, 500);
			const giveUp = m.attempts >= MAX_ATTEMPTS;
			await asService(db, 'outbox failure', (tx) =>
				tx.query(
					`update public.email_outbox set locked_until = null, last_error = $2,
					        next_attempt_at = now() + make_interval(secs => $3), failed_at = case when $4 then now() end
					  where id = $1`,
					[m.id, err, backoffSeconds(m.attempts), giveUp]
				)
			);
			if (giveUp) result.failed++;
			else result.retried++;
			log.warn('email delivery failed', { id: m.id, attempt: m.attempts, error: err });
		}
	}
	return result;
}

/**
 * Without SMTP_URL, messages stay in the outbox (readable by platform admins at /admin/emails) and are logged
 * once; they stay deliverable, so they go out when SMTP_URL is set later.
 */
export async function logUndeliverable(db: Database) {
	const rows = await asService(db, 'outbox log', (tx) =>
		tx.query<{ id: string; to_address: string; subject: string; text_body: string }>(
			`update public.email_outbox set last_error = 'no SMTP_URL: kept in the outbox'
			  where sent_at is null and failed_at is null and last_error is null
			 returning id, to_address, subject, text_body`
		)
	);
	// Bodies hold one-time links: logged only outside production, where they help a new user of the embedded setup
	// (LOG_EMAIL_BODIES=0/1 overrides). They are the one field the logger writes unredacted.
	const withBody = config.logEmailBodies;
	for (const r of rows)
		log.info(
			'email kept in outbox (no SMTP_URL)',
			{ id: r.id, to: r.to_address, subject: r.subject, ...(withBody ? { body: r.text_body } : {}) },
			{ raw: ['body'] }
		);
	return rows.length;
}

export function startOutboxWorker(db: Database, intervalMs = 2000): () => Promise<void> {
	const url = config.smtpUrl;
	const transport = url ? transportFromUrl(url) : null;
	const job = startJob('outbox', () => (transport ? deliverOutbox(db, transport) : logUndeliverable(db)), {
		intervalMs,
		jitter: 0
	});
	return job.stop;
}
