import type { Tx } from '../db';
import { elevated } from '../db';
import { config } from '../kit/config';

export interface OutgoingEmail {
	to: string;
	subject: string;
	text: string;
	html?: string;
	kind?: string;
	/** Text files sent with the message (e.g. the ICS of a booking). */
	attachments?: EmailAttachment[];
}

export interface EmailAttachment {
	filename: string;
	contentType: string;
	content: string;
}

/**
 * Queues an e-mail in the outbox, in the caller's transaction: it goes out only if the action commits.
 * The outbox is written with the service role (users cannot write arbitrary mails), then the role is restored.
 */
export async function enqueueEmail(tx: Tx, mail: OutgoingEmail, opts: { elevate?: boolean } = { elevate: true }) {
	const insert = (t: Tx) =>
		t.query<{ id: string }>(
			`insert into public.email_outbox (to_address, subject, text_body, html_body, kind, attachments)
			 values ($1, $2, $3, $4, $5, $6::text::jsonb) returning id`,
			[
				mail.to,
				mail.subject,
				mail.text,
				mail.html ?? null,
				mail.kind ?? 'generic',
				mail.attachments?.length ? JSON.stringify(mail.attachments) : null
			]
		);
	const [row] = opts.elevate === false ? await insert(tx) : await elevated(tx, insert);
	return row.id;
}

export function appOrigin(): string {
	return config.origin;
}

/** Plain French e-mail body with a greeting, paragraphs, an action link and the signature. */
export function renderEmail(opts: {
	greeting?: string;
	paragraphs: string[];
	action?: { label: string; url: string };
}) {
	const lines = [opts.greeting ?? 'Bonjour,', '', ...opts.paragraphs.flatMap((p) => [p, ''])];
	if (opts.action) lines.push(`${opts.action.label} : ${opts.action.url}`, '');
	lines.push('—', 'SPASER Commun', 'Ce message vous est envoyé automatiquement ; merci de ne pas y répondre.');
	const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
	const html =
		`<p>${esc(opts.greeting ?? 'Bonjour,')}</p>` +
		opts.paragraphs.map((p) => `<p>${esc(p)}</p>`).join('') +
		(opts.action ? `<p><a href="${esc(opts.action.url)}">${esc(opts.action.label)}</a></p>` : '') +
		`<p style="color:#555">— SPASER Commun</p>`;
	return { text: lines.join('\n'), html };
}
