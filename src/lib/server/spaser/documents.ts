// SPASER documents: the relational record (title, period, status, owners, sharing) next to the Y.Doc content.
// Every function runs as the user (withUser): row-level security decides, the checks here only give clearer
// French messages. Owners' names are read with `elevated` once the user is known to have access.
import { elevated, withUser, type Actor, type Database, type Tx } from '../db';
import { AppError, forbidden, notFound, guard } from '$lib/server/kit/errors';
import { isUuid } from '$lib/server/kit/ids';
import { slugify } from '../slug';
import { DOC_STATUSES } from '../../spaser/model';
import { requireEditorOf, requireWrite, type SpaserAccess } from './access';
import {
	adoptionDateError,
	invalid,
	spaserCreateInput,
	spaserMetadataPatch,
	type DocStatus,
	type SpaserCreateInput,
	type SpaserMetadataPatch
} from './input';

export type { DocStatus, SpaserAccess, SpaserCreateInput, SpaserMetadataPatch };

export interface SpaserOwner {
	id: string;
	slug: string;
	name: string;
	is_lead: boolean;
}

export interface SpaserDocument {
	id: string;
	slug: string;
	title: string;
	period_start: number | null;
	period_end: number | null;
	status: DocStatus;
	/** 'YYYY-MM-DD'. */
	adopted_on: string | null;
	deliberation_ref: string | null;
	shared_with_networks: boolean;
	template_key: string | null;
	created_by: string | null;
	created_at: Date;
	updated_at: Date;
	projected_at: Date | null;
	/** The latest publication of a version, if any. */
	published_at: Date | null;
	my_access: SpaserAccess | null;
	orgs: SpaserOwner[];
}

/** Allowed status changes (and staying put). Going back from consultation to draft is allowed. */
export const STATUS_TRANSITIONS: Record<DocStatus, DocStatus[]> = {
	brouillon: ['en_consultation'],
	en_consultation: ['brouillon', 'adopte'],
	adopte: ['archive'],
	archive: []
};

const DOC_COLUMNS = `s.id, s.slug, s.title, s.period_start, s.period_end, s.status, s.adopted_on::text as adopted_on, s.deliberation_ref,
	s.shared_with_networks, s.template_key, s.created_by, s.created_at, s.updated_at, s.projected_at,
	app.spaser_access(s.id) as my_access`;

type DocRow = Omit<SpaserDocument, 'orgs' | 'published_at'>;

/** Owners and latest publication of visible documents (read with the service role: access is already established). */
async function decorate(tx: Tx, rows: DocRow[]): Promise<SpaserDocument[]> {
	if (!rows.length) return [];
	const ids = rows.map((r) => r.id);
	const [owners, pubs] = await elevated(tx, async (t) => [
		await t.query<SpaserOwner & { document_id: string }>(
			`select d.document_id, o.id, o.slug, o.name, d.is_lead
			   from public.spaser_document_orgs d join public.organisations o on o.id = d.org_id
			  where d.document_id = any($1::uuid[]) order by d.is_lead desc, o.name`,
			[ids]
		),
		await t.query<{ document_id: string; published_at: Date }>(
			`select document_id, max(published_at) as published_at from public.spaser_versions
			  where document_id = any($1::uuid[]) and published_at is not null group by document_id`,
			[ids]
		)
	]);
	return rows.map((r) => ({
		...r,
		published_at: pubs.find((p) => p.document_id === r.id)?.published_at ?? null,
		orgs: owners.filter((o) => o.document_id === r.id).map(({ document_id: _d, ...o }) => o)
	}));
}

async function loadDoc(tx: Tx, id: string): Promise<SpaserDocument> {
	if (!isUuid(id)) throw notFound('Ce SPASER');
	const rows = await tx.query<DocRow>(`select ${DOC_COLUMNS} from public.spaser_documents s where s.id = $1`, [id]);
	if (!rows.length) throw notFound('Ce SPASER');
	return (await decorate(tx, rows))[0];
}

/** A slug for `title` not used by any SPASER of these collectivités (so /p/<collectivité>/<slug> is unambiguous). */
async function freeSlug(tx: Tx, orgIds: string[], base: string, exceptDoc?: string): Promise<string> {
	const root = slugify(base).slice(0, 70).replace(/-+$/, '') || 'spaser';
	const taken = new Set(
		(
			await elevated(tx, (t) =>
				t.query<{ slug: string }>(
					`select s.slug from public.spaser_documents s join public.spaser_document_orgs d on d.document_id = s.id
					  where d.org_id = any($1::uuid[]) and (s.slug = $2 or s.slug like $2 || '-%') and s.id is distinct from $3`,
					[orgIds, root, exceptDoc ?? null]
				)
			)
		).map((r) => r.slug)
	);
	if (!taken.has(root)) return root;
	for (let i = 2; ; i++) if (!taken.has(`${root}-${i}`)) return `${root}-${i}`;
}

/** Creates the record of a new SPASER (the content is created separately, from a template or empty). */
export async function createSpaserRecord(
	db: Database,
	actor: Actor,
	input: SpaserCreateInput
): Promise<SpaserDocument> {
	const parsed = spaserCreateInput.safeParse(input);
	if (!parsed.success) throw invalid(parsed.error);
	const v = parsed.data;
	const orgIds = [...new Set(v.orgIds)];
	return guard(
		withUser(db, actor, async (tx) => {
			await requireEditorOf(tx, orgIds);
			const id = crypto.randomUUID();
			const slug = await freeSlug(tx, orgIds, v.title);
			await tx.query(
				`insert into public.spaser_documents (id, slug, title, period_start, period_end, template_key, created_by)
				 values ($1, $2, $3, $4, $5, $6, auth.uid())`,
				[id, slug, v.title, v.periodStart, v.periodEnd, v.templateKey ?? null]
			);
			await tx.query('insert into public.spaser_document_orgs (document_id, org_id, is_lead) values ($1, $2, true)', [
				id,
				v.leadOrgId
			]);
			for (const org of orgIds.filter((o) => o !== v.leadOrgId))
				await tx.query(
					'insert into public.spaser_document_orgs (document_id, org_id, is_lead) values ($1, $2, false)',
					[id, org]
				);
			return loadDoc(tx, id);
		})
	);
}

/** The SPASERs a collectivité owns (alone or jointly) that the user can see, most recently changed first. */
export async function listSpaserDocuments(db: Database, actor: Actor, orgId: string): Promise<SpaserDocument[]> {
	if (!isUuid(orgId)) return [];
	return withUser(db, actor, async (tx) => {
		const rows = await tx.query<DocRow>(
			`select ${DOC_COLUMNS} from public.spaser_documents s
			  where exists (select 1 from public.spaser_document_orgs d where d.document_id = s.id and d.org_id = $1)
			  order by s.updated_at desc, s.title`,
			[orgId]
		);
		return decorate(tx, rows);
	});
}

/** One SPASER with `my_access` ('write' | 'read'); not found when the user has no access. */
export async function getSpaserDocument(db: Database, actor: Actor, id: string): Promise<SpaserDocument> {
	return withUser(db, actor, (tx) => loadDoc(tx, id));
}

/** The user's right on a SPASER, for the collaboration server: 'write', 'read' or null. */
export async function getSpaserAccess(db: Database, actor: Actor, id: string): Promise<SpaserAccess | null> {
	if (!isUuid(id)) return null;
	const [row] = await withUser(db, actor, (tx) =>
		tx.query<{ access: SpaserAccess | null }>('select app.spaser_access($1) as access', [id])
	);
	return row?.access ?? null;
}

/** Title, period, status (with its transitions), adoption date and deliberation. */
export async function updateSpaserMetadata(
	db: Database,
	actor: Actor,
	id: string,
	patch: SpaserMetadataPatch
): Promise<SpaserDocument> {
	const parsed = spaserMetadataPatch.safeParse(patch);
	if (!parsed.success) throw invalid(parsed.error);
	const p = parsed.data;
	return guard(
		withUser(db, actor, async (tx) => {
			const cur = await loadDoc(tx, id);
			requireWrite(cur);
			const next = {
				title: p.title ?? cur.title,
				periodStart: p.periodStart !== undefined ? p.periodStart : cur.period_start,
				periodEnd: p.periodEnd !== undefined ? p.periodEnd : cur.period_end,
				status: p.status ?? cur.status,
				adoptedOn: p.adoptedOn !== undefined ? p.adoptedOn : cur.adopted_on,
				deliberationRef: p.deliberationRef !== undefined ? p.deliberationRef || null : cur.deliberation_ref
			};
			if (next.status !== cur.status && !STATUS_TRANSITIONS[cur.status].includes(next.status))
				throw new AppError(
					'transition_not_allowed',
					`Un SPASER «\u00a0${DOC_STATUSES[cur.status]}\u00a0» ne peut pas passer à l’état «\u00a0${DOC_STATUSES[next.status]}\u00a0».`,
					409,
					{ field: 'status' }
				);
			if (next.periodStart !== null && next.periodEnd !== null && next.periodEnd < next.periodStart)
				throw new AppError('invalid', 'La fin de période doit suivre son début.', 400, { field: 'periodEnd' });
			if (next.status === 'adopte' || next.status === 'archive') {
				if (!next.adoptedOn)
					throw new AppError('invalid', 'Indiquez la date d’adoption du SPASER par l’assemblée délibérante.', 400, {
						field: 'adoptedOn'
					});
				if (!next.deliberationRef)
					throw new AppError('invalid', 'Indiquez la référence de la délibération qui adopte le SPASER.', 400, {
						field: 'deliberationRef'
					});
			}
			const badDate = adoptionDateError(next.adoptedOn);
			if (badDate) throw badDate;
			await tx.query(
				`update public.spaser_documents set title = $2, period_start = $3, period_end = $4, status = $5, adopted_on = $6::date, deliberation_ref = $7
				  where id = $1`,
				[id, next.title, next.periodStart, next.periodEnd, next.status, next.adoptedOn, next.deliberationRef]
			);
			return loadDoc(tx, id);
		})
	);
}

/** Lets the animators of the owners' networks read the SPASER (read-only), or stops it. */
export async function setSharingWithNetworks(
	db: Database,
	actor: Actor,
	id: string,
	shared: boolean
): Promise<SpaserDocument> {
	return guard(
		withUser(db, actor, async (tx) => {
			requireWrite(await loadDoc(tx, id));
			await tx.query('update public.spaser_documents set shared_with_networks = $2 where id = $1', [id, shared]);
			return loadDoc(tx, id);
		})
	);
}

/** Adds a collectivité as co-owner (joint SPASER). The user must write the SPASER and edit for that collectivité. */
export async function addCoOwner(db: Database, actor: Actor, id: string, orgId: string): Promise<SpaserDocument> {
	if (!isUuid(orgId)) throw notFound('Cette collectivité');
	return guard(
		withUser(db, actor, async (tx) => {
			const doc = await loadDoc(tx, id);
			requireWrite(doc);
			if (doc.orgs.some((o) => o.id === orgId))
				throw new AppError('conflict', 'Cette collectivité est déjà associée à ce SPASER.', 409);
			await requireEditorOf(tx, [orgId]);
			const free = await freeSlug(tx, [orgId], doc.slug, id);
			if (free !== doc.slug)
				throw new AppError(
					'conflict',
					'Cette collectivité a déjà un SPASER à la même adresse\u00a0: renommez l’un des deux avant de les associer.',
					409
				);
			await tx.query('insert into public.spaser_document_orgs (document_id, org_id, is_lead) values ($1, $2, false)', [
				id,
				orgId
			]);
			return loadDoc(tx, id);
		})
	);
}

/** Removes a co-owner: its own admins may leave, admins of the lead collectivité may remove it. */
export async function removeCoOwner(db: Database, actor: Actor, id: string, orgId: string): Promise<SpaserDocument> {
	return guard(
		withUser(db, actor, async (tx) => {
			const doc = await loadDoc(tx, id);
			const owner = doc.orgs.find((o) => o.id === orgId);
			if (!owner) throw notFound('Cette collectivité associée');
			if (owner.is_lead)
				throw new AppError('invalid', 'La collectivité pilote ne peut pas être retirée de son SPASER.', 400);
			const rows = await tx.query(
				'delete from public.spaser_document_orgs where document_id = $1 and org_id = $2 returning org_id',
				[id, orgId]
			);
			if (!rows.length)
				throw forbidden(
					'Seuls les administrateurs de cette collectivité ou de la collectivité pilote peuvent la retirer du SPASER.'
				);
			return (
				(await decorateOrNull(tx, id)) ?? { ...doc, orgs: doc.orgs.filter((o) => o.id !== orgId), my_access: null }
			);
		})
	);
}

async function decorateOrNull(tx: Tx, id: string): Promise<SpaserDocument | null> {
	try {
		return await loadDoc(tx, id);
	} catch {
		return null;
	}
}

/** Deletes a SPASER with its content, versions and comments (admins of the lead collectivité only). */
export async function deleteSpaserDocument(db: Database, actor: Actor, id: string): Promise<void> {
	await guard(
		withUser(db, actor, async (tx) => {
			await loadDoc(tx, id);
			const rows = await tx.query('delete from public.spaser_documents where id = $1 returning id', [id]);
			if (!rows.length)
				throw forbidden('Seuls les administrateurs de la collectivité pilote peuvent supprimer ce SPASER.');
		})
	);
}
