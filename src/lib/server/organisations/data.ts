// A collectivité's rights over its data (RGPD, issue 8 item 4): its administrators export everything the platform
// holds for it (one ZIP: collectivite.json + the files), and close it.
//
// Export. The rows are discovered from the catalogue, so a table added later is covered without touching this
// file: (1) every row of a table with a foreign key to organisations(id) pointing to the collectivité; (2) the
// SPASER documents it (co-)owns, through spaser_document_orgs; (3) then, to a fixed point, the rows of every table
// whose foreign key points to a row already taken (SPASER nodes, targets, versions, comments, imports; resource
// versions, attachments, shares, review events; Guichet messages, attachments, bookings, reports; sessions and
// registrations of its events, check-ins of its people…). A row that also points to another collectivité, to a
// SPASER or to a resource that is not the collectivité's is left out (another collectivité's usage of a shared
// clause, a link from another SPASER to one of its resources). Self-references are not followed (a resource
// copied by another collectivité stays theirs). Favourites are personal choices of people of any collectivité:
// left out. Context that the rows point to is added under `references`: the members' profiles, the networks,
// the indicator definitions of the values.
// Secrets never leave (columns named like password|secret|hash|token, and check-in codes); the full-text search
// vectors neither. Binary columns of tables that describe a file (a `mime` column: logo, resource and Guichet
// attachments, originals of SPASER imports) go to `fichiers/` and the row names the path; other binary columns
// (the Yjs state of SPASER versions, whose readable content is in `content`) appear as their size only.
//
// Closure. After the administrator types the collectivité's name: the SPASER documents it owns alone are deleted
// (a joint SPASER stays with its other co-owners; the lead role passes to the oldest of them), then its
// indicator values, then its row: the foreign keys cascade to everything else that is its own. Its members are
// told by e-mail (the outbox, in the same transaction). What stays: the audit log (no foreign key; the closure
// itself is recorded by a trigger), the people's accounts, their registrations to network events (without the
// collectivité), copies of its shared clauses made by other collectivités, and an anonymous trace of its Guichet
// vert requests and sessions for the network's figures (content removed, sessions to come cancelled, org_id set
// to null: guichet/closure.ts anonymiseForClosedOrganisation).
import { strToU8, zipSync } from 'fflate';
import { AppError } from '$lib/server/kit/errors';
import { appOrigin, enqueueEmail, renderEmail } from '../email/outbox';
import { asService, withUser, type Actor, type Database, type Tx } from '../db';
import { anonymiseForClosedOrganisation } from '../guichet/closure';

const SECRET = /(password|secret|hash|token|checkin_code)/i;
/** Tables not followed: personal choices of people who may belong to other collectivités. */
const SKIP = new Set(['public.resource_favourites']);
/** Tables whose rows belong to one collectivité: a row pointing to one that is not the collectivité's is someone else's. */
const OWNED_ROOTS = new Set(['public.organisations', 'public.spaser_documents', 'public.resources']);

interface ForeignKey {
	table: string;
	column: string;
	refTable: string;
	refColumn: string;
	columnType: string;
}

interface Column {
	name: string;
	type: string;
}

export interface ExportFile {
	path: string;
	bytes: Uint8Array;
}

export interface OrganisationExport {
	format: 'spaser-commun/collectivite/1';
	generated_at: string;
	organisation: Record<string, unknown>;
	/** table → its rows that belong to the collectivité (secrets left out; files named by their path in the ZIP). */
	tables: Record<string, Record<string, unknown>[]>;
	/** What the rows point to, for reading them: members' profiles, networks, indicator definitions. */
	references: Record<string, Record<string, unknown>[]>;
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
const bare = (table: string) => table.replace(/^public\./, '');

async function foreignKeys(tx: Tx): Promise<ForeignKey[]> {
	return tx.query<ForeignKey>(
		`select 'public.' || t.relname as "table", a.attname as "column", 'public.' || rt.relname as "refTable",
		        r.attname as "refColumn", format_type(a.atttypid, a.atttypmod) as "columnType"
		   from pg_constraint c
		   join pg_class t on t.oid = c.conrelid
		   join pg_class rt on rt.oid = c.confrelid and rt.relnamespace = 'public'::regnamespace
		   join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
		   join pg_attribute r on r.attrelid = c.confrelid and r.attnum = c.confkey[1]
		  where c.contype = 'f' and c.connamespace = 'public'::regnamespace and array_length(c.conkey, 1) = 1
		  order by 1, 2`
	);
}

async function columnsOf(tx: Tx, table: string): Promise<Column[]> {
	return tx.query<Column>(
		`select a.attname as name, format_type(a.atttypid, a.atttypmod) as type
		   from pg_attribute a where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped order by a.attnum`,
		[table]
	);
}

/** Makes a file name safe inside a ZIP (no folders, no control characters), keeping accents. */
function safeFileName(name: string): string {
	const cleaned = name
		.normalize('NFC')
		// eslint-disable-next-line no-control-regex -- control characters are exactly what a file name must not keep
		.replace(/[\\/:*?"<>|\u0000-\u001f]+/g, '_')
		.replace(/^\.+/, '')
		.trim()
		.slice(0, 120);
	return cleaned || 'fichier';
}

const EXTENSIONS: Record<string, string> = {
	'image/png': 'png',
	'image/jpeg': 'jpg',
	'image/webp': 'webp',
	'application/pdf': 'pdf'
};

/** JSON-safe value: bigint as text, bytes never (they are handled before). */
function plain(value: unknown): unknown {
	if (typeof value === 'bigint') return value.toString();
	return value;
}

class Collector {
	readonly tables = new Map<string, Map<string, Record<string, unknown>>>();
	readonly files: ExportFile[] = [];
	private readonly columns = new Map<string, Column[]>();
	private readonly usedPaths = new Set<string>();

	constructor(
		private readonly tx: Tx,
		readonly orgId: string
	) {}

	private async cols(table: string) {
		let c = this.columns.get(table);
		if (!c) this.columns.set(table, (c = await columnsOf(this.tx, table)));
		return c;
	}

	/** Fetches rows of `table` matching `where`; returns how many were new. */
	async take(table: string, where: string, params: unknown[]): Promise<number> {
		const cols = await this.cols(table);
		const isFileTable = cols.some((c) => c.name === 'mime');
		const select: string[] = [];
		const fileCols: string[] = [];
		for (const c of cols) {
			if (SECRET.test(c.name) || c.type === 'tsvector') continue;
			if (c.type === 'bytea') {
				if (isFileTable) {
					fileCols.push(c.name);
					select.push(quoteIdent(c.name));
				} else select.push(`octet_length(${quoteIdent(c.name)}) as ${quoteIdent(c.name + '_octets')}`);
			} else select.push(quoteIdent(c.name));
		}
		const rows = await this.tx.query<Record<string, unknown>>(
			`select ${select.join(', ')} from ${table} where ${where}`,
			params
		);
		let added = 0;
		let bucket = this.tables.get(table);
		if (!bucket) this.tables.set(table, (bucket = new Map()));
		for (const raw of rows) {
			const row: Record<string, unknown> = {};
			const bytes: [string, Uint8Array][] = [];
			for (const [k, v] of Object.entries(raw)) {
				if (fileCols.includes(k)) {
					if (v instanceof Uint8Array) bytes.push([k, v]);
					row[k + '_octets'] = v instanceof Uint8Array ? v.byteLength : null;
				} else row[k] = plain(v);
			}
			const key = JSON.stringify(row);
			if (bucket.has(key)) continue;
			for (const [col, data] of bytes) row[col + '_fichier'] = this.addFile(table, row, data);
			bucket.set(key, row);
			added++;
		}
		return added;
	}

	private addFile(table: string, row: Record<string, unknown>, data: Uint8Array): string {
		const name =
			typeof row.filename === 'string'
				? row.filename
				: typeof row.file_name === 'string'
					? row.file_name
					: `logo.${EXTENSIONS[String(row.mime)] ?? 'bin'}`;
		const id = String(row.id ?? row.org_id ?? this.files.length);
		let path = `fichiers/${bare(table)}/${id}-${safeFileName(name)}`;
		for (let i = 2; this.usedPaths.has(path); i++) path = `fichiers/${bare(table)}/${id}-${i}-${safeFileName(name)}`;
		this.usedPaths.add(path);
		this.files.push({ path, bytes: new Uint8Array(data) });
		return path;
	}

	values(table: string, column: string): unknown[] {
		const out = new Set<unknown>();
		for (const row of this.tables.get(table)?.values() ?? []) if (row[column] != null) out.add(row[column]);
		return [...out];
	}

	rows(table: string): Record<string, unknown>[] {
		return [...(this.tables.get(table)?.values() ?? [])];
	}
}

/** Refuses anyone but an administrator of the collectivité, under RLS (a collectivité out of sight: 404). */
async function requireAdmin(
	db: Database,
	actor: Actor,
	orgId: string
): Promise<{ id: string; name: string; slug: string }> {
	return withUser(db, actor, async (tx) => {
		const [org] = await tx.query<{ id: string; name: string; slug: string; role: string | null }>(
			'select o.id, o.name, o.slug, app.org_role(o.id) as role from public.organisations o where o.id = $1',
			[orgId]
		);
		if (!org) throw new AppError('not_found', 'Collectivité introuvable.', 404);
		if (org.role !== 'admin')
			throw new AppError(
				'forbidden',
				'Seuls les administrateurs de la collectivité peuvent exporter ses données ou la fermer.',
				403
			);
		return { id: org.id, name: org.name, slug: org.slug };
	});
}

/** Everything the platform holds for the collectivité, with its files. */
export async function exportOrganisationData(
	db: Database,
	actor: Actor,
	orgId: string
): Promise<{ data: OrganisationExport; files: ExportFile[] }> {
	await requireAdmin(db, actor, orgId);
	return asService(db, 'rgpd: collectivité export', async (tx) => {
		const fks = (await foreignKeys(tx)).filter((fk) => !SKIP.has(fk.table));
		const c = new Collector(tx, orgId);
		await c.take('public.organisations', 'id = $1', [orgId]);
		// (1) Rows pointing to the collectivité.
		for (const fk of fks.filter((f) => f.refTable === 'public.organisations'))
			await c.take(fk.table, `${quoteIdent(fk.column)} = $1`, [orgId]);
		// The audit log has no foreign key (it outlives what it describes), but its org_id is the collectivité's.
		await c.take('public.audit_log', 'org_id = $1', [orgId]);
		// (2) The SPASER documents it (co-)owns.
		await c.take(
			'public.spaser_documents',
			'id in (select document_id from public.spaser_document_orgs where org_id = $1)',
			[orgId]
		);
		// (3) Everything that hangs from what is taken, to a fixed point.
		for (let round = 0, added = 1; added > 0 && round < 10; round++) {
			added = 0;
			for (const fk of fks) {
				if (fk.table === fk.refTable || fk.refTable === 'public.organisations' || fk.refTable === 'public.users')
					continue;
				const keys = c.values(fk.refTable, fk.refColumn);
				if (!keys.length) continue;
				const params: unknown[] = [keys];
				const conditions = [`${quoteIdent(fk.column)} = any($1::${fk.columnType}[])`];
				for (const other of fks) {
					if (other.table !== fk.table || other === fk || !OWNED_ROOTS.has(other.refTable)) continue;
					const owned = other.refTable === 'public.organisations' ? [orgId] : c.values(other.refTable, other.refColumn);
					params.push(owned);
					conditions.push(
						`(${quoteIdent(other.column)} is null or ${quoteIdent(other.column)} = any($${params.length}::${other.columnType}[]))`
					);
				}
				added += await c.take(fk.table, conditions.join(' and '), params);
			}
		}
		const tables: Record<string, Record<string, unknown>[]> = {};
		for (const [table] of [...c.tables].sort(([a], [b]) => a.localeCompare(b))) {
			if (table === 'public.organisations') continue;
			const rows = c.rows(table);
			if (rows.length) tables[bare(table)] = rows;
		}
		const plainRows = (rows: Record<string, unknown>[]) =>
			rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, plain(v)])));
		const references = {
			users: plainRows(
				await tx.query<Record<string, unknown>>(
					`select u.id, u.display_name, u.email, m.role
					   from public.organisation_members m join public.users u on u.id = m.user_id
					  where m.org_id = $1 order by u.display_name`,
					[orgId]
				)
			),
			networks: plainRows(
				await tx.query<Record<string, unknown>>(
					'select id, slug, name from public.networks where id = any($1::uuid[]) order by name',
					[c.values('public.network_memberships', 'network_id')]
				)
			),
			indicator_definitions: plainRows(
				await tx.query<Record<string, unknown>>(
					`select id, code, version, label, domain, unit, numerator, denominator, definition from public.indicator_definitions
					  where id = any($1::uuid[]) order by code, version`,
					[c.values('public.indicator_values', 'indicator_id')]
				)
			)
		};
		return {
			data: {
				format: 'spaser-commun/collectivite/1' as const,
				generated_at: new Date().toISOString(),
				organisation: c.rows('public.organisations')[0] ?? {},
				tables,
				references
			},
			files: c.files
		};
	});
}

const README = (
	name: string,
	generatedAt: string,
	counts: string,
	files: number
) => `Export des données de la collectivité « ${name} »
SPASER Commun — généré le ${new Date(generatedAt).toLocaleString('fr-FR', { timeZone: 'Europe/Paris' })} (heure de Paris)

Contenu de l'archive
--------------------
collectivite.json
  - « organisation » : la fiche de la collectivité.
  - « tables » : toutes les lignes qui appartiennent à la collectivité, table par table (membres, invitations,
    adhésions aux réseaux, SPASER et leurs nœuds, cibles, versions, commentaires et imports, clauses types et REX
    avec leurs versions, pièces jointes, partages et décisions des réseaux, valeurs et définitions d'indicateurs,
    bilans, marchés DECP importés, demandes au Guichet vert avec leurs échanges et rendez-vous, événements
    organisés, inscriptions de ses agents, journal d'audit…).
  - « references » : ce à quoi ces lignes renvoient, pour les lire : les membres (nom, adresse, rôle), les
    réseaux, les définitions des indicateurs.
  Les dates sont en UTC (ISO 8601). Les identifiants (uuid) relient les lignes entre elles.
  Ne figurent pas : les secrets (mots de passe, jetons, codes d'émargement), les index de recherche, les
  favoris personnels, ce qui appartient à d'autres collectivités (leurs retours sur vos clauses partagées, par
  exemple). L'état collaboratif (Yjs) des versions de SPASER n'y est donné que par sa taille : leur contenu
  lisible figure dans le champ « content » de chaque version.

fichiers/
  Les fichiers : logo, pièces jointes des clauses et REX, pièces jointes du Guichet vert, documents d'origine
  des SPASER importés. Dans collectivite.json, la ligne correspondante indique le chemin du fichier
  (champ se terminant par « _fichier ») et sa taille (« _octets »).

Nombre de lignes par table
--------------------------
${counts}

Fichiers : ${files}
`;

/** The ZIP the administrator downloads: collectivite.json, fichiers/…, README.txt. */
/** The archive's file name: `donnees-<slug>-<AAAA-MM-JJ>.zip` (the page and the API send the same name). */
export function exportArchiveName(slug: string, at = new Date()): string {
	return `donnees-${slug}-${at.toISOString().slice(0, 10)}.zip`;
}

export async function exportOrganisationZip(
	db: Database,
	actor: Actor,
	orgId: string
): Promise<{ zip: Uint8Array; slug: string }> {
	const { data, files } = await exportOrganisationData(db, actor, orgId);
	const counts = Object.entries(data.tables)
		.map(([t, rows]) => `${t} : ${rows.length}`)
		.join('\n');
	const entries: Record<string, Uint8Array | [Uint8Array, { level: 0 }]> = {
		'README.txt': strToU8(README(String(data.organisation.name ?? ''), data.generated_at, counts, files.length)),
		'collectivite.json': strToU8(JSON.stringify(data, null, 2))
	};
	for (const f of files) entries[f.path] = [f.bytes, { level: 0 }];
	return { zip: zipSync(entries, { level: 6 }), slug: String(data.organisation.slug ?? 'collectivite') };
}

/** Same comparison as a person would make: case, accents' composition and spaces do not matter. */
export function sameName(typed: string, name: string): boolean {
	const norm = (s: string) =>
		s
			.normalize('NFC')
			.replace(/[\s\u00a0\u202f]+/g, ' ')
			.trim()
			.toLocaleLowerCase('fr');
	return norm(typed) === norm(name) && norm(typed) !== '';
}

export interface ClosureResult {
	name: string;
	notified: number;
	deletedDocuments: number;
	/** Guichet vert sessions to come, cancelled (their animators are told). */
	cancelledSessions: number;
}

/** Closes the collectivité: see the header. `confirmation` must be its name. */
export async function closeOrganisation(
	db: Database,
	actor: Actor,
	orgId: string,
	confirmation: string
): Promise<ClosureResult> {
	const org = await requireAdmin(db, actor, orgId);
	if (!sameName(confirmation, org.name))
		throw new AppError(
			'invalid',
			`Recopiez exactement le nom de la collectivité (« ${org.name} ») pour confirmer sa fermeture.`,
			400,
			{
				field: 'confirmation'
			}
		);
	return asService(db, 'rgpd: collectivité closure', async (tx) => {
		// The triggers that write the audit log record who closed it.
		await tx.query(`select set_config('request.jwt.claims', $1, true)`, [
			JSON.stringify({ sub: actor.id, role: 'service_role' })
		]);
		const [locked] = await tx.query<{ name: string }>(
			'select name from public.organisations where id = $1 for update',
			[orgId]
		);
		if (!locked) throw new AppError('not_found', 'Collectivité introuvable : elle a peut-être déjà été fermée.', 404);
		const members = await tx.query<{ email: string; display_name: string }>(
			`select u.email, u.display_name from public.organisation_members m join public.users u on u.id = m.user_id
			  where m.org_id = $1 and u.deleted_at is null order by u.email`,
			[orgId]
		);
		// SPASER documents it owns alone go; joint ones stay with the other co-owners (the oldest becomes lead).
		const alone = await tx.query<{ id: string }>(
			`delete from public.spaser_documents d
			  where exists (select 1 from public.spaser_document_orgs o where o.document_id = d.id and o.org_id = $1)
			    and not exists (select 1 from public.spaser_document_orgs o where o.document_id = d.id and o.org_id <> $1)
			 returning d.id`,
			[orgId]
		);
		const leads = await tx.query<{ document_id: string }>(
			'delete from public.spaser_document_orgs where org_id = $1 and is_lead returning document_id',
			[orgId]
		);
		for (const { document_id } of leads)
			await tx.query(
				`update public.spaser_document_orgs set is_lead = true
				  where (document_id, org_id) = (select document_id, org_id from public.spaser_document_orgs
				                                  where document_id = $1 order by added_at, org_id limit 1)`,
				[document_id]
			);
		// The network keeps an anonymous trace of its Guichet vert requests and sessions (counts, dates, ratings).
		const guichet = await anonymiseForClosedOrganisation(tx, orgId, org.name);
		// indicator_values → indicator_definitions is RESTRICT: its values go before its own definitions.
		await tx.query('delete from public.indicator_values where org_id = $1', [orgId]);
		await tx.query('delete from public.organisations where id = $1', [orgId]);
		const mail = renderEmail({
			paragraphs: [
				`La collectivité « ${org.name} » a été fermée sur SPASER Commun par l’un de ses administrateurs.`,
				'Ses SPASER (sauf ceux qu’elle rédigeait avec d’autres collectivités, qui restent à ces dernières), ses clauses types et REX, ses indicateurs, ses échanges avec le Guichet vert et ses appartenances ont été supprimés définitivement ; ils ne peuvent plus être exportés. Ses rendez-vous à venir au Guichet vert sont annulés ; le réseau ne garde de ses demandes passées qu’un décompte anonyme (dates, thèmes, notes de satisfaction).',
				'Votre compte personnel reste ouvert : vous pouvez rejoindre ou créer une autre collectivité, ou le supprimer depuis « Mon compte ».'
			],
			action: { label: 'Accéder à SPASER Commun', url: `${appOrigin()}/` }
		});
		for (const m of members)
			await enqueueEmail(
				tx,
				{ to: m.email, subject: `La collectivité « ${org.name} » a été fermée`, kind: 'org_closed', ...mail },
				{ elevate: false }
			);
		return {
			name: org.name,
			notified: members.length,
			deletedDocuments: alone.length,
			cancelledSessions: guichet.cancelledSessions
		};
	});
}
