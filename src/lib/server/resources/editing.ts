// Shared resources: create, edit (each save is a version), delete, visibility and the national-reference mark;
// reading one resource with everything its page shows. Every call runs through withUser (RLS decides).
import type { Actor, Database } from '../db';
import { withUser } from '../db';
import { AppError, forbidden, guard, notFound } from '$lib/server/kit/errors';
import { isUuid } from '$lib/server/kit/ids';
import type { ResourceKind } from '$lib/resources/labels';
import type { ResourceInput } from './input';
import { requireOrgEditor, resourceErrors } from './access';
import { COLS, checkCpv, fromAuthors, orgNetworks, toParams, type ResourceDetail, type ResourceRow } from './model';
import { shareInTx } from './sharing';
import { cpvLabel } from './cpv';

/** The caller's collectivités where they may write (admin or editor). */
export async function writableOrgs(db: Database, actor: Actor) {
	return withUser(db, actor, (tx) =>
		tx.query<{ id: string; name: string }>(
			`select o.id, o.name from public.organisations o
			  where o.id = any ((select app.my_editor_org_ids())::uuid[]) and o.archived_at is null order by o.name`
		)
	);
}

export async function createResource(
	db: Database,
	actor: Actor,
	orgId: string,
	input: ResourceInput,
	opts: { sourceId?: string } = {}
) {
	checkCpv(input.cpvCodes);
	if (!isUuid(orgId)) throw notFound('Cette collectivité');
	return withUser(db, actor, async (tx) => {
		await requireOrgEditor(
			tx,
			orgId,
			'Seuls les administrateurs et rédacteurs de la collectivité publient des ressources.'
		);
		const visibility = input.visibility === 'network' ? 'private' : input.visibility;
		const [row] = await guard(
			tx.query<{ id: string }>(
				`insert into public.resources (kind, org_id, source_id, title, summary, body, family, mechanism, segments, cpv_codes,
				   legal_refs, parameters, legal_checked_on, licence, visibility, year, procedure, amount_band, context, actions,
				   results, difficulties, lessons, linked_clause_ids, anonymised, contact_name, contact_email)
				 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::text::jsonb, $13::date, $14, $15, $16, $17, $18, $19, $20,
				   $21::text::jsonb, $22, $23, $24, $25, $26, $27) returning id`,
				[input.kind, orgId, opts.sourceId ?? null, ...toParams({ ...input, visibility })]
			),
			resourceErrors
		);
		if (input.visibility === 'network') await shareInTx(tx, row.id, null);
		return row.id;
	});
}

export async function updateResource(db: Database, actor: Actor, id: string, input: ResourceInput) {
	checkCpv(input.cpvCodes);
	if (!isUuid(id)) throw notFound('Cette ressource');
	return withUser(db, actor, async (tx) => {
		const [cur] = await tx.query<{ kind: string; visibility: string }>(
			`select kind, visibility from public.resources where id = $1`,
			[id]
		);
		if (!cur) throw notFound('Cette ressource');
		if (cur.kind !== input.kind) throw new AppError('invalid', 'Le type d’une ressource ne change pas.', 400);
		// Choosing "network" keeps the current visibility until a network is chosen (shareResource).
		const visibility = input.visibility === 'network' && cur.visibility === 'private' ? 'private' : input.visibility;
		const p = toParams({ ...input, visibility });
		const rows = await guard(
			tx.query<{ id: string; version: number }>(
				`update public.resources set title = $2, summary = $3, body = $4, family = $5, mechanism = $6, segments = $7,
				   cpv_codes = $8, legal_refs = $9, parameters = $10::text::jsonb, legal_checked_on = $11::date, licence = $12,
				   visibility = $13, year = $14, procedure = $15, amount_band = $16, context = $17, actions = $18,
				   results = $19::text::jsonb, difficulties = $20, lessons = $21, linked_clause_ids = $22, anonymised = $23,
				   contact_name = $24, contact_email = $25
				 where id = $1 returning id, version`,
				[id, ...p]
			),
			resourceErrors
		);
		if (!rows.length)
			throw forbidden('Seuls les administrateurs et rédacteurs de la collectivité modifient cette ressource.');
		if (input.visibility === 'network' && cur.visibility === 'private') await shareInTx(tx, id, null);
		return rows[0];
	});
}

export async function deleteResource(db: Database, actor: Actor, id: string) {
	if (!isUuid(id)) throw notFound('Cette ressource');
	return withUser(db, actor, async (tx) => {
		const rows = await guard(tx.query(`delete from public.resources where id = $1 returning id`, [id]), resourceErrors);
		if (!rows.length)
			throw forbidden('Seuls les administrateurs et rédacteurs de la collectivité suppriment cette ressource.');
	});
}

export async function setVisibility(db: Database, actor: Actor, id: string, visibility: 'private' | 'public') {
	return withUser(db, actor, async (tx) => {
		// The collectivité's admins and editors only: RLS also lets the platform update public items (for the
		// national-reference mark), not to hide or publish a collectivité's resource.
		const rows = await guard(
			tx.query(
				`update public.resources set visibility = $2 where id = $1 and app.has_org_role(app.resource_org(id), array['admin', 'editor']) returning id`,
				[id, visibility]
			),
			resourceErrors
		);
		if (!rows.length) throw forbidden();
	});
}

/** A platform admin marks a public item as a national reference (or removes the mark). */
export async function setNationalReference(db: Database, actor: Actor, id: string, value: boolean) {
	return withUser(db, actor, async (tx) => {
		const rows = await guard(
			tx.query(`update public.resources set national_reference = $2 where id = $1 returning id`, [id, value]),
			resourceErrors
		);
		if (!rows.length)
			throw forbidden('Seule l’équipe de la plateforme peut marquer une ressource publique comme référence nationale.');
	});
}

export async function getResource(db: Database, actor: Actor | null, id: string): Promise<ResourceDetail> {
	if (!isUuid(id)) throw notFound('Cette ressource');
	return guard(
		withUser(db, actor, async (tx) => {
			const [r] = await tx.query<ResourceRow & { org_name: string | null }>(
				`select ${COLS}, a.org_name from ${fromAuthors('array[$1::uuid]')} where r.id = $1`,
				[id]
			);
			if (!r) throw notFound('Cette ressource');
			// The collectivité (null when hidden: anonymised, and the reader is not one of its members).
			const orgName = r.org_name;
			const canEdit =
				actor && r.org_id
					? (
							await tx.query<{ ok: boolean }>(`select app.has_org_role($1, array['admin','editor']) as ok`, [r.org_id])
						)[0].ok
					: false;
			const shares = actor
				? await tx.query<ResourceDetail['shares'][number]>(
						`select s.network_id, n.name as network_name, s.status, s.comment, s.decided_at
					   from public.resource_shares s join public.networks n on n.id = s.network_id
					  where s.resource_id = $1 order by n.name`,
						[id]
					)
				: [];
			const events = actor
				? await tx.query<ResourceDetail['events'][number]>(
						`select network_name, action, comment, actor_name, created_at from app.resource_review_history($1)`,
						[id]
					)
				: [];
			const versions = await tx.query<ResourceDetail['versions'][number]>(
				actor
					? `select version, created_at, author from app.resource_version_list($1)`
					: `select v.version, v.created_at, null as author from public.resource_versions v where v.resource_id = $1 order by v.version desc`,
				[id]
			);
			const attachments = await tx.query<ResourceDetail['attachments'][number]>(
				`select id, filename, mime, byte_size, created_at from public.resource_attachments where resource_id = $1 order by created_at`,
				[id]
			);
			const feedback = actor
				? await tx.query<ResourceDetail['feedback'][number]>(
						`select u.worked, u.not_worked, o.name as org_name, u.created_at from public.resource_usages u
					   left join public.organisations o on o.id = u.org_id
					  where u.resource_id = $1 and (u.worked <> '' or u.not_worked <> '') order by u.created_at desc`,
						[id]
					)
				: [];
			const fav = actor
				? (
						await tx.query(`select 1 from public.resource_favourites where resource_id = $1 and user_id = auth.uid()`, [
							id
						])
					).length > 0
				: false;
			const [mine] = actor
				? await tx.query<{ worked: string; not_worked: string }>(
						`select worked, not_worked from public.resource_usages where resource_id = $1 and user_id = auth.uid()`,
						[id]
					)
				: [];
			const [source] = r.source_id
				? await tx.query<{ id: string; kind: ResourceKind; title: string }>(
						`select id, kind, title from public.resources where id = $1`,
						[r.source_id]
					)
				: [];
			const linked = r.linked_clause_ids.length
				? await tx.query<{ id: string; title: string }>(`select id, title from app.resource_linked_clauses($1)`, [id])
				: [];
			const reviewNets = actor
				? (
						await tx.query<{ network_id: string }>(
							`select s.network_id from public.resource_shares s where s.resource_id = $1 and app.is_network_animator(s.network_id)`,
							[id]
						)
					).map((x) => x.network_id)
				: [];
			const shareNetworks = canEdit && r.org_id ? await orgNetworks(tx, r.org_id) : [];
			return {
				...r,
				org_name: orgName,
				can_edit: canEdit,
				can_review_networks: reviewNets,
				is_favourite: fav,
				my_usage: mine ?? null,
				source: source ?? null,
				shares,
				events,
				versions,
				attachments,
				feedback,
				linked_clauses: linked,
				// Only the links the reader may follow (an anonymised REX does not point to its author's own clauses).
				linked_clause_ids: canEdit ? r.linked_clause_ids : linked.map((c) => c.id),
				cpv: r.cpv_codes.map((code) => ({ code, label: cpvLabel(code) ?? '' })),
				share_networks: shareNetworks
			};
		}),
		resourceErrors
	);
}

export async function getVersion(db: Database, actor: Actor | null, id: string, version: number) {
	return withUser(db, actor, async (tx) => {
		const [v] = await tx.query<{ version: number; snapshot: Record<string, unknown>; created_at: string }>(
			`select version, snapshot, created_at from public.resource_versions where resource_id = $1 and version = $2`,
			[id, version]
		);
		if (!v) throw notFound('Cette version');
		return v;
	});
}
