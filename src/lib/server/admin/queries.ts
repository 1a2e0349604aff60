import { redactString } from '$lib/server/kit/log';
import type { Actor, Database } from '../db';
import { withUser } from '../db';
import { config } from '$lib/server/kit/config';

export const PAGE_SIZE = 50;

/** A safe 1-based page number (the value is interpolated into LIMIT/OFFSET). */
function pageNumber(p: unknown): number {
	const n = Math.floor(Number(p));
	return Number.isFinite(n) && n >= 1 && n <= 100_000 ? n : 1;
}

/** Escapes LIKE wildcards so that a search matches the typed text literally. */
function likePattern(s: string) {
	return `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export interface OutboxRow {
	id: string;
	to_address: string;
	subject: string;
	text_body: string;
	kind: string;
	created_at: Date;
	attempts: number;
	next_attempt_at: Date;
	sent_at: Date | null;
	failed_at: Date | null;
	last_error: string | null;
}

/**
 * The e-mail outbox, newest first (RLS: platform admins only), optionally filtered by recipient address.
 * One-time links (password reset, address confirmation, invitations) are masked in the bodies when the platform
 * sends its mail (SMTP_URL set): they belong to their recipients, and a link read here could take over an
 * account. Without SMTP (a laptop, the e2e suite) this page is the only mailbox, so they are shown.
 */
export async function listOutbox(
	db: Database,
	actor: Actor,
	opts: { address?: string; page?: number; maskLinks?: boolean } = {}
) {
	const maskLinks = opts.maskLinks ?? Boolean(config.smtpUrl);
	const page = pageNumber(opts.page);
	const address = opts.address?.trim() || null;
	return withUser(db, actor, async (tx) => {
		const where = address ? `where to_address ilike $1` : '';
		const params = address ? [likePattern(address)] : [];
		const [{ total }] = await tx.query<{ total: number }>(
			`select count(*)::int as total from public.email_outbox ${where}`,
			params
		);
		const rows = await tx.query<OutboxRow>(
			`select id, to_address, subject, text_body, kind, created_at, attempts, next_attempt_at, sent_at, failed_at, last_error
			   from public.email_outbox ${where}
			  order by created_at desc, id
			  limit ${PAGE_SIZE} offset ${(page - 1) * PAGE_SIZE}`,
			params
		);
		if (maskLinks) for (const r of rows) r.text_body = redactString(r.text_body);
		return { rows, total, page, pageCount: Math.max(1, Math.ceil(total / PAGE_SIZE)), linksMasked: maskLinks };
	});
}

export interface UserRow {
	id: string;
	email: string;
	display_name: string;
	email_verified_at: Date | null;
	is_platform_admin: boolean;
	created_at: Date;
	org_count: number;
}

/** Accounts (RLS: a platform admin sees them all), searched by name or e-mail, newest first. */
export async function listUsers(db: Database, actor: Actor, opts: { q?: string; page?: number } = {}) {
	const page = pageNumber(opts.page);
	const q = opts.q?.trim() || null;
	return withUser(db, actor, async (tx) => {
		const where = q ? `where u.email ilike $1 or u.display_name ilike $1` : '';
		const params = q ? [likePattern(q)] : [];
		const [{ total }] = await tx.query<{ total: number }>(
			`select count(*)::int as total from public.users u ${where}`,
			params
		);
		const rows = await tx.query<UserRow>(
			`select u.id, u.email, u.display_name, u.email_verified_at, u.is_platform_admin, u.created_at,
			        (select count(*)::int from public.organisation_members m where m.user_id = u.id) as org_count
			   from public.users u ${where}
			  order by u.created_at desc, u.id
			  limit ${PAGE_SIZE} offset ${(page - 1) * PAGE_SIZE}`,
			params
		);
		return { rows, total, page, pageCount: Math.max(1, Math.ceil(total / PAGE_SIZE)) };
	});
}

/** Figures for the administration home page. */
export async function adminOverview(db: Database, actor: Actor) {
	const [row] = await withUser(db, actor, (tx) =>
		tx.query<{
			users: number;
			unverified_users: number;
			networks: number;
			pending_emails: number;
			failed_emails: number;
		}>(
			`select (select count(*)::int from public.users) as users,
			        (select count(*)::int from public.users where email_verified_at is null) as unverified_users,
			        (select count(*)::int from public.networks) as networks,
			        (select count(*)::int from public.email_outbox where sent_at is null and failed_at is null) as pending_emails,
			        (select count(*)::int from public.email_outbox where failed_at is not null) as failed_emails`
		)
	);
	return row;
}
