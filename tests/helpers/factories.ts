/**
 * Test data factories shared by the integration and e2e-preparation tests.
 *
 * Stable API (other test files rely on it):
 *   uniqueEmail(prefix?)                      → a fresh, lower-case address
 *   createUser(db, opts?)                     → TestUser (an Actor with email, displayName, password)
 *   createOrg(db, actor, nameOrInput?)        → Organisation (the actor becomes its admin)
 *   addMember(db, orgId, user, role)          → void (direct insert, bypasses invitations)
 *   createNetwork(db, platformAdmin, name?)   → { id, slug }
 *   addAnimatorDirect(db, networkId, user)    → void (direct insert)
 *   outbox(db, to?)                           → OutboxRow[] (oldest first)
 *   lastMail(db, to)                          → the newest OutboxRow for that address (throws if none)
 *   linkFrom(text, pathPrefix?)               → the first http(s) URL of a mail body (throws if none)
 *   VALID_SIREN / VALID_SIRET / INVALID_SIREN → identifiers that pass / fail the Luhn check
 *
 * Everything is written with the service role, so factories work whatever the policies say; the behaviour
 * under test must go through the real services.
 */
import { asService, type Actor, type Database } from '../../src/lib/server/db';
import { hashPassword } from '../../src/lib/server/auth/password';
import { createOrganisation, type MemberRole, type Organisation } from '../../src/lib/server/organisations/service';
import { createNetwork as createNetworkService } from '../../src/lib/server/networks/service';
import type { OrganisationInput } from '../../src/lib/server/organisations/input';

/** A password that passes `passwordProblem` (long, not common, unrelated to names used here). */
export const DEFAULT_PASSWORD = 'Cheval-Batterie-Agrafe-2026';

/** SIREN with a correct Luhn key (Ville de Paris: 217500016) and a SIRET of that SIREN. */
export const VALID_SIREN = '217500016';
export const VALID_SIRET = '21750001600001';
/** 9 digits whose Luhn key is wrong. */
export const INVALID_SIREN = '217500017';

export interface TestUser extends Actor {
	id: string;
	email: string;
	displayName: string;
	/** The clear password (so tests can log in). */
	password: string;
}

let seq = 0;
/** A unique, lower-case e-mail address such as `alice-3-k2x9@example.test`. */
export function uniqueEmail(prefix = 'user'): string {
	seq++;
	return `${prefix}-${seq}-${Math.random().toString(36).slice(2, 8)}@example.test`.toLowerCase();
}

const hashCache = new Map<string, Promise<string>>();
function cachedHash(password: string): Promise<string> {
	let h = hashCache.get(password);
	if (!h) {
		h = hashPassword(password);
		hashCache.set(password, h);
	}
	return h;
}

export interface CreateUserOptions {
	/** Defaults to a unique address. */
	email?: string;
	/** Defaults to a name derived from the address. */
	displayName?: string;
	/** Defaults to DEFAULT_PASSWORD. The argon2id hash is stored in user_credentials, so `login` works. */
	password?: string;
	/** is_platform_admin (default false). */
	platformAdmin?: boolean;
	/** email_verified_at set (default true). */
	verified?: boolean;
}

/**
 * Inserts an account directly (users + user_credentials), without the verification e-mail.
 * Use `signUp` in tests that are about sign-up itself.
 */
export async function createUser(db: Database, opts: CreateUserOptions = {}): Promise<TestUser> {
	const email = opts.email ?? uniqueEmail();
	const displayName = opts.displayName ?? `Personne ${email.split('@')[0]}`;
	const password = opts.password ?? DEFAULT_PASSWORD;
	const hash = await cachedHash(password);
	const id = await asService(db, 'test factory: user', async (tx) => {
		const [u] = await tx.query<{ id: string }>(
			`insert into public.users (email, display_name, email_verified_at, is_platform_admin)
			 values ($1, $2, case when $3 then now() end, $4) returning id`,
			[email, displayName, opts.verified ?? true, opts.platformAdmin ?? false]
		);
		await tx.query('insert into public.user_credentials (user_id, password_hash) values ($1, $2)', [u.id, hash]);
		return u.id;
	});
	return { id, email, displayName, password };
}

/**
 * Creates a collectivité through the real service (`createOrganisation`), so `actor` becomes its admin.
 * `nameOrInput` is a name (kind 'commune', no SIREN) or a partial OrganisationInput.
 */
export async function createOrg(
	db: Database,
	actor: Actor,
	nameOrInput: string | Partial<OrganisationInput> = {}
): Promise<Organisation> {
	const input: OrganisationInput =
		typeof nameOrInput === 'string'
			? { name: nameOrInput, kind: 'commune' }
			: { name: `Commune ${++seq}`, kind: 'commune', ...nameOrInput };
	return createOrganisation(db, actor, input);
}

/** Adds `user` to an organisation with `role`, directly (no invitation). */
export async function addMember(db: Database, orgId: string, user: { id: string }, role: MemberRole): Promise<void> {
	await asService(db, 'test factory: member', (tx) =>
		tx.query('insert into public.organisation_members (org_id, user_id, role) values ($1, $2, $3)', [
			orgId,
			user.id,
			role
		])
	);
}

/** Creates a network through the real service; `platformAdmin` must have is_platform_admin. */
export async function createNetwork(
	db: Database,
	platformAdmin: Actor,
	name = `Réseau ${++seq}`,
	opts: { description?: string; regionCodes?: string[] } = {}
): Promise<{ id: string; slug: string }> {
	return createNetworkService(db, platformAdmin, {
		name,
		description: opts.description ?? '',
		regionCodes: opts.regionCodes ?? []
	});
}

/** Makes `user` an animator of the network, directly. */
export async function addAnimatorDirect(db: Database, networkId: string, user: { id: string }): Promise<void> {
	await asService(db, 'test factory: animator', (tx) =>
		tx.query('insert into public.network_animators (network_id, user_id) values ($1, $2) on conflict do nothing', [
			networkId,
			user.id
		])
	);
}

export interface OutboxRow {
	id: string;
	to_address: string;
	subject: string;
	text_body: string;
	html_body: string | null;
	kind: string;
	created_at: Date;
	attempts: number;
	next_attempt_at: Date;
	locked_until: Date | null;
	sent_at: Date | null;
	failed_at: Date | null;
	last_error: string | null;
}

/** Outbox rows (oldest first), optionally only those sent to `to` (case-insensitive). */
export async function outbox(db: Database, to?: string): Promise<OutboxRow[]> {
	return asService(db, 'test: read outbox', (tx) =>
		tx.query<OutboxRow>(
			`select * from public.email_outbox where $1::text is null or lower(to_address) = lower($1) order by created_at, id`,
			[to ?? null]
		)
	);
}

/** The newest mail queued for `to`; throws when there is none. */
export async function lastMail(db: Database, to: string): Promise<OutboxRow> {
	const rows = await outbox(db, to);
	if (!rows.length) throw new Error(`no e-mail queued for ${to}`);
	return rows[rows.length - 1];
}

/** The first URL in a mail body (optionally the first whose path starts with `pathPrefix`). */
export function linkFrom(text: string, pathPrefix = ''): URL {
	for (const m of text.matchAll(/https?:\/\/[^\s<>"]+/g)) {
		const url = new URL(m[0]);
		if (url.pathname.startsWith(pathPrefix)) return url;
	}
	throw new Error(`no link${pathPrefix ? ` to ${pathPrefix}` : ''} in:\n${text}`);
}
