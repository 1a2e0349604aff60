// The person's rights over their data (RGPD): export everything the platform holds about them, and delete the
// account. Both run as the service role under a named reason: they reach rows the person may no longer see
// through RLS (a collectivité they left, a request redirected to another animator).
//
// Deletion keeps the `users` row (what they wrote for their collectivité keeps an author, shown « Ancien
// membre », and the Guichet history stays traceable) but empties it: e-mail replaced by a non-routable address,
// name « Ancien membre », platform rights off, deleted_at set; every row that exists only for the person goes:
// rows of tables whose foreign key to users is ON DELETE CASCADE (credentials, sessions, tokens, memberships,
// animator roles, calendar feeds, drafts…), found from the catalogue, so a table added later is covered.
import { limitPasswordChecks } from '../auth/service';
import { sessionsEnded } from '../auth/session';
import { AppError } from '$lib/server/kit/errors';
import { verifyPassword } from '../auth/password';
import { asService, type Actor, type Database, type Tx } from '../db';

interface UserColumn {
	table: string;
	column: string;
	cascade: boolean;
}

/** Every column of the public schema with a foreign key to users(id), and whether it cascades on delete. */
async function userColumns(tx: Tx): Promise<UserColumn[]> {
	return tx.query<UserColumn>(
		`select c.conrelid::regclass::text as "table", a.attname as "column", c.confdeltype = 'c' as cascade
		   from pg_constraint c
		   join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
		  where c.contype = 'f' and c.confrelid = 'public.users'::regclass and array_length(c.conkey, 1) = 1
		  order by 1, 2`
	);
}

const SECRET = /(password|secret|hash|token)/i;

/** Columns worth exporting: no secrets; files as their size only. */
async function exportableColumns(tx: Tx, table: string): Promise<string[]> {
	const cols = await tx.query<{ name: string; type: string }>(
		`select a.attname as name, format_type(a.atttypid, a.atttypmod) as type
		   from pg_attribute a where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped order by a.attnum`,
		[table]
	);
	return cols
		.filter((c) => !SECRET.test(c.name))
		.map((c) =>
			c.type === 'bytea'
				? `octet_length(${quoteIdent(c.name)}) as ${quoteIdent(c.name + '_octets')}`
				: quoteIdent(c.name)
		);
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

export interface PersonalDataExport {
	format: 'spaser-commun/donnees-personnelles/1';
	generated_at: string;
	profile: Record<string, unknown>;
	/** table → the rows where one of its columns points to the person (secrets left out, files as sizes). */
	tables: Record<string, Record<string, unknown>[]>;
}

export async function exportPersonalData(db: Database, actor: Actor): Promise<PersonalDataExport> {
	return asService(db, 'rgpd: personal data export', async (tx) => {
		const [profile] = await tx.query<Record<string, unknown>>(
			'select id, email, display_name, email_verified_at, is_platform_admin, created_at, updated_at from public.users where id = $1',
			[actor.id]
		);
		if (!profile) throw new AppError('not_found', 'Compte introuvable.', 404);
		const tables: Record<string, Record<string, unknown>[]> = {};
		const byTable = new Map<string, string[]>();
		for (const c of await userColumns(tx)) byTable.set(c.table, [...(byTable.get(c.table) ?? []), c.column]);
		for (const [table, columns] of byTable) {
			const select = await exportableColumns(tx, table);
			const where = columns.map((c) => `${quoteIdent(c)} = $1`).join(' or ');
			const rows = await tx.query<Record<string, unknown>>(`select ${select.join(', ')} from ${table} where ${where}`, [
				actor.id
			]);
			if (rows.length) tables[table.replace(/^public\./, '')] = rows;
		}
		return { format: 'spaser-commun/donnees-personnelles/1', generated_at: new Date().toISOString(), profile, tables };
	});
}

export const DELETED_NAME = 'Ancien membre';

/**
 * Deletes the account after checking the password. Refused while the person is the only administrator of a
 * collectivité (they transfer the role first, or close the collectivité). Ends every session.
 */
export async function deleteAccount(db: Database, actor: Actor, password: string): Promise<void> {
	await limitPasswordChecks(db, actor.id, 'password');
	const ok = await asService(db, 'rgpd: account deletion (password check)', async (tx) => {
		const [cred] = await tx.query<{ password_hash: string }>(
			'select password_hash from public.user_credentials where user_id = $1',
			[actor.id]
		);
		return cred ? verifyPassword(cred.password_hash, password) : false;
	});
	if (!ok)
		throw new AppError('invalid', 'Mot de passe incorrect : votre compte n’a pas été supprimé.', 400, {
			field: 'password'
		});
	await asService(db, 'rgpd: account deletion', async (tx) => {
		const sole = await tx.query<{ name: string }>(
			`select o.name from public.organisation_members m join public.organisations o on o.id = m.org_id
			  where m.user_id = $1 and m.role = 'admin'
			    and not exists (select 1 from public.organisation_members x where x.org_id = m.org_id and x.role = 'admin' and x.user_id <> $1)
			  order by o.name`,
			[actor.id]
		);
		if (sole.length)
			throw new AppError(
				'sole_admin',
				`Vous êtes le seul administrateur de ${sole.map((s) => s.name).join(', ')} : transmettez d’abord ce rôle à un autre membre (ou fermez la collectivité), puis supprimez votre compte.`,
				409
			);
		for (const c of await userColumns(tx)) {
			if (!c.cascade || c.table === 'public.users') continue;
			await tx.query(`delete from ${c.table} where ${quoteIdent(c.column)} = $1`, [actor.id]);
		}
		await tx.query(
			`update public.users set email = 'ancien-membre-' || id || '@supprime.invalid', display_name = $2, email_verified_at = null,
			        is_platform_admin = false, deleted_at = now() where id = $1`,
			[actor.id, DELETED_NAME]
		);
	});
	sessionsEnded(actor.id);
}
