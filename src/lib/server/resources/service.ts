// Shared resources (clause models and REX): create, edit (versions), share with a network (review), search,
// reuse (favourites, usage + feedback, copy, use in a SPASER), attachments, insertion-hours calculator.
// Every call runs through withUser: row-level security decides what a person sees and changes.
import * as Y from 'yjs';
import type { Actor, Database, Tx } from '../db';
import { elevated, withUser } from '../db';
import { appOrigin, enqueueEmail, renderEmail } from '../email/outbox';
import { AppError, forbidden, notFound, toAppError } from '$lib/server/kit/errors';
import { sniffDocument, type SniffedType } from '../files/sniff';
import { changeLiveDoc } from '../spaser/live';
import { projectDocument } from '../spaser/projection';
import { bodyFragment, getNode, isDeleted, setLink } from '../../spaser/ydoc';
import { clauseParams, fillParams, missingParams } from '../../spaser/clause-params';
import {
	DEPARTEMENTS,
	INCLUSION_SECTORS,
	KIND_PATHS,
	type ResourceInput,
	type ResourceKind,
	type RexResult,
	type SearchParams
} from '../../schemas/resources';
import { cpvLabel } from './cpv';
import { runFileTask } from '../files/worker-pool';

export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ATTACHMENT_KINDS = new Set(['pdf', 'docx', 'odt', 'xlsx']);

async function guard<T>(p: Promise<T>): Promise<T> {
	try {
		return await p;
	} catch (e) {
		const err = toAppError(e);
		const msg = String((e as Error)?.message ?? '');
		if (msg.includes('comment_required')) throw new AppError('comment_required', 'Expliquez les modifications demandées.', 400, { field: 'comment' });
		if (msg.includes('national_reference_platform_only'))
			throw forbidden('Seule l’équipe de la plateforme peut marquer une ressource publique comme référence nationale.');
		throw err;
	}
}

export const resourcePath = (kind: ResourceKind, id: string) => `/ressources/${KIND_PATHS[kind]}/${id}`;

// ---------------------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------------------
export interface ResourceRow {
	id: string;
	kind: ResourceKind;
	/** Null when the author anonymised the resource and the reader is not a member of its collectivité. */
	org_id: string | null;
	title: string;
	summary: string;
	body: string;
	family: string;
	mechanism: string | null;
	segments: string[];
	cpv_codes: string[];
	legal_refs: string;
	parameters: Record<string, number | string>;
	legal_checked_on: string | null;
	licence: string;
	visibility: 'private' | 'network' | 'public';
	national_reference: boolean;
	reliability: 'collectivite' | 'reseau' | 'national';
	source_id: string | null;
	usage_count: number;
	version: number;
	year: number | null;
	procedure: string | null;
	amount_band: string | null;
	context: string;
	actions: string;
	results: RexResult[];
	difficulties: string;
	lessons: string;
	linked_clause_ids: string[];
	anonymised: boolean;
	contact_name: string | null;
	contact_email: string | null;
	created_at: string;
	updated_at: string;
}

// The author's identity (collectivité, contact) comes from app.resource_authors, which hides it from everyone but
// the members of the collectivité when the resource is anonymised; the API roles cannot select those columns.
const COLS = `r.id, r.kind, a.org_id, r.title, r.summary, r.body, r.family, r.mechanism, r.segments, r.cpv_codes, r.legal_refs,
  r.parameters, r.legal_checked_on::text as legal_checked_on, r.licence, r.visibility, r.national_reference, r.reliability,
  r.source_id, r.usage_count, r.version, r.year, r.procedure, r.amount_band,
  r.context, r.actions, r.results, r.difficulties, r.lessons, r.linked_clause_ids, r.anonymised, a.contact_name,
  a.contact_email, r.created_at, r.updated_at`;
/** FROM clause for COLS over the rows whose ids are `$ids` (an expression giving uuid[]). */
const fromAuthors = (ids: string) =>
	`public.resources r left join app.resource_authors(${ids}) a on a.resource_id = r.id`;

function toParams(input: ResourceInput) {
	return [
		input.title,
		input.summary,
		input.body,
		input.family,
		input.mechanism,
		input.segments,
		input.cpvCodes,
		input.legalRefs,
		JSON.stringify(input.parameters ?? {}),
		input.legalCheckedOn,
		input.licence,
		input.visibility,
		input.kind === 'rex' ? input.year : null,
		input.kind === 'rex' ? input.procedure || null : null,
		input.kind === 'rex' ? input.amountBand : null,
		input.context,
		input.actions,
		JSON.stringify(input.results ?? []),
		input.difficulties,
		input.lessons,
		input.kind === 'rex' ? input.linkedClauseIds : [],
		input.anonymised,
		input.contactName || null,
		input.contactEmail
	];
}

function checkCpv(codes: string[]) {
	for (const c of codes)
		if (!cpvLabel(c))
			throw new AppError('invalid_cpv', `Le code CPV ${c} n'existe pas dans la nomenclature CPV 2008.`, 400, { field: 'cpvCodes' });
}

/** The caller's collectivités where they may write (admin or editor). */
export async function writableOrgs(db: Database, actor: Actor) {
	return withUser(db, actor, (tx) =>
		tx.query<{ id: string; name: string }>(
			`select o.id, o.name from public.organisations o
			  where o.id = any ((select app.my_editor_org_ids())::uuid[]) and o.archived_at is null order by o.name`
		)
	);
}

/** Networks a collectivité is an approved member of (where it may share). */
async function orgNetworks(tx: Tx, orgId: string) {
	return tx.query<{ id: string; name: string }>(
		`select n.id, n.name from public.networks n where app.org_in_network($1, n.id) order by n.name`,
		[orgId]
	);
}

// ---------------------------------------------------------------------------------------------------------
// Create, edit, delete
// ---------------------------------------------------------------------------------------------------------
export async function createResource(db: Database, actor: Actor, orgId: string, input: ResourceInput, opts: { sourceId?: string } = {}) {
	checkCpv(input.cpvCodes);
	if (!UUID_RE.test(orgId)) throw notFound('Cette collectivité');
	return withUser(db, actor, async (tx) => {
		const [role] = await tx.query<{ ok: boolean }>(`select app.has_org_role($1, array['admin','editor']) as ok`, [orgId]);
		if (!role?.ok) throw forbidden('Seuls les administrateurs et rédacteurs de la collectivité publient des ressources.');
		const visibility = input.visibility === 'network' ? 'private' : input.visibility;
		const [row] = await guard(
			tx.query<{ id: string }>(
				`insert into public.resources (kind, org_id, source_id, title, summary, body, family, mechanism, segments, cpv_codes,
				   legal_refs, parameters, legal_checked_on, licence, visibility, year, procedure, amount_band, context, actions,
				   results, difficulties, lessons, linked_clause_ids, anonymised, contact_name, contact_email)
				 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::text::jsonb, $13::date, $14, $15, $16, $17, $18, $19, $20,
				   $21::text::jsonb, $22, $23, $24, $25, $26, $27) returning id`,
				[input.kind, orgId, opts.sourceId ?? null, ...toParams({ ...input, visibility })]
			)
		);
		if (input.visibility === 'network') await shareInTx(tx, row.id, null);
		return row.id;
	});
}

export async function updateResource(db: Database, actor: Actor, id: string, input: ResourceInput) {
	checkCpv(input.cpvCodes);
	if (!UUID_RE.test(id)) throw notFound('Cette ressource');
	return withUser(db, actor, async (tx) => {
		const [cur] = await tx.query<{ kind: string; visibility: string }>(`select kind, visibility from public.resources where id = $1`, [id]);
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
			)
		);
		if (!rows.length) throw forbidden('Seuls les administrateurs et rédacteurs de la collectivité modifient cette ressource.');
		if (input.visibility === 'network' && cur.visibility === 'private') await shareInTx(tx, id, null);
		return rows[0];
	});
}

export async function deleteResource(db: Database, actor: Actor, id: string) {
	if (!UUID_RE.test(id)) throw notFound('Cette ressource');
	return withUser(db, actor, async (tx) => {
		const rows = await guard(tx.query(`delete from public.resources where id = $1 returning id`, [id]));
		if (!rows.length) throw forbidden('Seuls les administrateurs et rédacteurs de la collectivité suppriment cette ressource.');
	});
}

export async function setVisibility(db: Database, actor: Actor, id: string, visibility: 'private' | 'public') {
	return withUser(db, actor, async (tx) => {
		// The collectivité's admins and editors only: RLS also lets the platform update public items (for the
		// national-reference mark), not to hide or publish a collectivité's resource.
		const rows = await guard(
			tx.query(`update public.resources set visibility = $2 where id = $1 and app.has_org_role(app.resource_org(id), array['admin', 'editor']) returning id`, [id, visibility])
		);
		if (!rows.length) throw forbidden();
	});
}

/** A platform admin marks a public item as a national reference (or removes the mark). */
export async function setNationalReference(db: Database, actor: Actor, id: string, value: boolean) {
	return withUser(db, actor, async (tx) => {
		const rows = await guard(tx.query(`update public.resources set national_reference = $2 where id = $1 returning id`, [id, value]));
		if (!rows.length) throw forbidden('Seule l’équipe de la plateforme peut marquer une ressource publique comme référence nationale.');
	});
}

// ---------------------------------------------------------------------------------------------------------
// Network review
// ---------------------------------------------------------------------------------------------------------
/** Submits to one network (or, networkId null, to every network of the collectivité). */
async function shareInTx(tx: Tx, id: string, networkId: string | null) {
	const [r] = await tx.query<{ org_id: string; visibility: string }>(
		`select app.resource_org(id) as org_id, visibility from public.resources where id = $1`,
		[id]
	);
	if (!r) throw notFound('Cette ressource');
	const networks = await orgNetworks(tx, r.org_id);
	const targets = networkId ? networks.filter((n) => n.id === networkId) : networks;
	if (!targets.length)
		throw new AppError(
			'no_network',
			networkId
				? "Votre collectivité n'est pas membre de ce réseau : elle ne peut pas y partager de ressource."
				: "Votre collectivité n'est membre d'aucun réseau : demandez d'abord à rejoindre un réseau.",
			409
		);
	if (r.visibility === 'private') await guard(tx.query(`update public.resources set visibility = 'network' where id = $1`, [id]));
	for (const n of targets)
		await guard(
			tx.query(`insert into public.resource_shares (resource_id, network_id) values ($1, $2) on conflict do nothing`, [id, n.id])
		);
}

export async function shareResource(db: Database, actor: Actor, id: string, networkId: string | null) {
	if (!UUID_RE.test(id)) throw notFound('Cette ressource');
	return withUser(db, actor, async (tx) => {
		const [ok] = await tx.query<{ ok: boolean }>(`select app.has_org_role(app.resource_org($1), array['admin','editor']) as ok`, [id]);
		if (!ok?.ok) throw forbidden('Seuls les administrateurs et rédacteurs de la collectivité partagent cette ressource.');
		await shareInTx(tx, id, networkId);
	});
}

export async function withdrawShare(db: Database, actor: Actor, id: string, networkId: string) {
	return withUser(db, actor, async (tx) => {
		const rows = await guard(
			tx.query(`delete from public.resource_shares where resource_id = $1 and network_id = $2 returning resource_id`, [id, networkId])
		);
		if (!rows.length) throw forbidden();
		const [left] = await tx.query<{ n: number }>(`select count(*)::int as n from public.resource_shares where resource_id = $1`, [id]);
		if (!left.n) await tx.query(`update public.resources set visibility = 'private' where id = $1 and visibility = 'network'`, [id]);
	});
}

export async function reviewShare(
	db: Database,
	actor: Actor,
	id: string,
	input: { networkId: string; decision: 'validated' | 'changes_requested'; comment: string }
) {
	if (!UUID_RE.test(id)) throw notFound('Cette ressource');
	return withUser(db, actor, async (tx) => {
		const rows = await guard(
			tx.query<{ resource_id: string }>(
				`update public.resource_shares set status = $3, comment = nullif($4, '') where resource_id = $1 and network_id = $2 returning resource_id`,
				[id, input.networkId, input.decision, input.comment]
			)
		);
		if (!rows.length) throw forbidden('Seuls les animateurs du réseau relisent les ressources qui lui sont soumises.');
		// The author hears about the decision (the address is read with the service role: it is not shown to anyone).
		const [info] = await elevated(tx, (t) =>
			t.query<{ email: string | null; title: string; kind: ResourceKind; network: string }>(
				`select u.email, r.title, r.kind, n.name as network from public.resources r
				   join public.networks n on n.id = $2
				   left join public.resource_shares s on s.resource_id = r.id and s.network_id = n.id
				   left join public.users u on u.id = s.submitted_by where r.id = $1`,
				[id, input.networkId]
			)
		);
		if (info?.email) {
			const url = `${appOrigin()}${resourcePath(info.kind, id)}`;
			const validated = input.decision === 'validated';
			const mail = renderEmail({
				paragraphs: validated
					? [`« ${info.title} » a été validée par ${info.network} : elle est maintenant visible des membres du réseau, avec le badge « Validé par le réseau ».`]
					: [`${info.network} demande des modifications sur « ${info.title} » :`, `« ${input.comment} »`, 'Modifiez la ressource : elle repartira automatiquement en relecture.'],
				action: { label: 'Voir la ressource', url }
			});
			await enqueueEmail(tx, {
				to: info.email,
				subject: validated ? `Ressource validée : ${info.title}` : `Modifications demandées : ${info.title}`,
				text: mail.text,
				html: mail.html,
				kind: 'resource_review'
			});
		}
	});
}

export interface QueueItem {
	id: string;
	kind: ResourceKind;
	title: string;
	org_name: string;
	network_id: string;
	network_name: string;
	status: string;
	comment: string | null;
	submitted_at: string;
	version: number;
}

/** The animator's review queue: items submitted to the networks they animate (pending first). */
export async function reviewQueue(db: Database, actor: Actor, opts: { status?: string } = {}) {
	return withUser(db, actor, (tx) =>
		tx.query<QueueItem>(
			`select r.id, r.kind, r.title, o.org_name, s.network_id, n.name as network_name, s.status, s.comment,
			        s.submitted_at, r.version
			   from public.resource_shares s
			   join public.resources r on r.id = s.resource_id
			   join public.networks n on n.id = s.network_id
			   left join app.resource_authors(array[r.id]) o on true
			  where app.is_network_animator(s.network_id) and ($1::text is null or s.status = $1)
			  order by (s.status = 'pending') desc, s.submitted_at`,
			[opts.status ?? null]
		)
	);
}

// ---------------------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------------------
export interface ResourceDetail extends ResourceRow {
	org_name: string | null;
	can_edit: boolean;
	can_review_networks: string[];
	is_favourite: boolean;
	my_usage: { worked: string; not_worked: string } | null;
	source: { id: string; kind: ResourceKind; title: string } | null;
	shares: { network_id: string; network_name: string; status: string; comment: string | null; decided_at: string | null }[];
	events: { network_name: string; action: string; comment: string | null; actor_name: string | null; created_at: string }[];
	versions: { version: number; created_at: string; author: string | null }[];
	attachments: { id: string; filename: string; mime: string; byte_size: number; created_at: string }[];
	feedback: { worked: string; not_worked: string; org_name: string | null; created_at: string }[];
	linked_clauses: { id: string; title: string }[];
	cpv: { code: string; label: string }[];
	share_networks: { id: string; name: string }[];
}

export async function getResource(db: Database, actor: Actor | null, id: string): Promise<ResourceDetail> {
	if (!UUID_RE.test(id)) throw notFound('Cette ressource');
	return guard(withUser(db, actor, async (tx) => {
		const [r] = await tx.query<ResourceRow & { org_name: string | null }>(
			`select ${COLS}, a.org_name from ${fromAuthors('array[$1::uuid]')} where r.id = $1`,
			[id]
		);
		if (!r) throw notFound('Cette ressource');
		// The collectivité (null when hidden: anonymised, and the reader is not one of its members).
		const orgName = r.org_name;
		const canEdit =
			actor && r.org_id
				? (await tx.query<{ ok: boolean }>(`select app.has_org_role($1, array['admin','editor']) as ok`, [r.org_id]))[0].ok
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
			? (await tx.query(`select 1 from public.resource_favourites where resource_id = $1 and user_id = auth.uid()`, [id])).length > 0
			: false;
		const [mine] = actor
			? await tx.query<{ worked: string; not_worked: string }>(
					`select worked, not_worked from public.resource_usages where resource_id = $1 and user_id = auth.uid()`,
					[id]
				)
			: [];
		const [source] = r.source_id
			? await tx.query<{ id: string; kind: ResourceKind; title: string }>(`select id, kind, title from public.resources where id = $1`, [
					r.source_id
				])
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
	}));
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

// ---------------------------------------------------------------------------------------------------------
// Search
// ---------------------------------------------------------------------------------------------------------
export interface SearchHit {
	id: string;
	kind: ResourceKind;
	title: string;
	summary: string;
	family: string;
	mechanism: string | null;
	segments: string[];
	reliability: string;
	visibility: string;
	year: number | null;
	usage_count: number;
	updated_at: string;
	org_name: string | null;
	/** HTML-escaped snippet with <mark> around matched words. */
	snippet: string;
	rank: number;
}

export interface Facets {
	kind: Record<string, number>;
	family: Record<string, number>;
	mechanism: Record<string, number>;
	segment: Record<string, number>;
	cpv: Record<string, number>;
	network: { id: string; name: string; count: number }[];
	reliability: Record<string, number>;
	year: Record<string, number>;
}

export interface SearchResult {
	total: number;
	items: SearchHit[];
	facets: Facets;
	page: number;
	pageSize: number;
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const SEL_START = '\u2063\u2062';
const SEL_STOP = '\u2062\u2063';

export function snippetHtml(raw: string): string {
	return escapeHtml(raw).split(SEL_START).join('<mark>').split(SEL_STOP).join('</mark>');
}

/**
 * The networks that validated an item, as the reader may learn them: none for an anonymised item outside its
 * collectivité (the list of networks would point at the author), for the network filter and facet alike.
 */
const VISIBLE_VALIDATED_NETWORKS = `(case when r.anonymised and not r.id = any ((select app.my_resource_ids())::uuid[])
	                                        then '{}'::uuid[] else r.validated_network_ids end)`;

/** The WHERE clause (and its parameters) shared by search, facets and export. */
export function searchWhere(p: Partial<SearchParams>, params: unknown[] = [], textMatch: 'fts' | 'ilike' = 'fts') {
	const where: string[] = [];
	const add = (v: unknown) => {
		params.push(v);
		return `$${params.length}`;
	};
	let query: string | null = null;
	if (p.q && textMatch === 'fts') {
		query = `(select websearch_to_tsquery('public.fr_unaccent', ${add(p.q)}))`;
		where.push(`r.search @@ ${query}`);
	} else if (p.q) {
		// The naive peer of the benchmark: every word as a substring of the texts (no stemming, no index).
		for (const w of p.q.split(/\s+/).filter(Boolean))
			where.push(`concat_ws(' ', r.title, r.summary, r.body, r.context, r.actions, r.lessons, r.attachments_text) ilike '%' || ${add(w)} || '%'`);
	}
	if (p.kind) where.push(`r.kind = ${add(p.kind)}`);
	if (p.family) where.push(`r.family = ${add(p.family)}`);
	if (p.mechanism) where.push(`r.mechanism = ${add(p.mechanism)}`);
	if (p.segment) {
		// A top-level segment also matches its sub-segments.
		const s = add(p.segment);
		where.push(`exists (select 1 from unnest(r.segments) seg where seg = ${s} or seg like ${s} || '.%')`);
	}
	if (p.cpv) where.push(`exists (select 1 from unnest(r.cpv_codes) c where c like ${add(p.cpv)} || '%')`);
	if (p.network) where.push(`${VISIBLE_VALIDATED_NETWORKS} @> array[${add(p.network)}::uuid]`);
	if (p.reliability) where.push(`r.reliability = ${add(p.reliability)}`);
	if (p.year) where.push(`r.year = ${add(p.year)}`);
	if (p.mine) where.push(`r.id = any ((select app.my_resource_ids())::uuid[])`);
	return { where: where.length ? where.join(' and ') : 'true', params, query };
}

export const PAGE_SIZE = 20;

export async function searchResources(
	db: Database,
	actor: Actor | null,
	p: SearchParams,
	opts: { pageSize?: number; textMatch?: 'fts' | 'ilike' } = {}
): Promise<SearchResult> {
	const pageSize = opts.pageSize ?? PAGE_SIZE;
	return withUser(db, actor, async (tx) => {
		// Plan each search with its actual words and filters (their selectivity decides between the GIN index and a
		// scan); a cached generic plan cannot know whether "clause" matches 1 or 10 000 items.
		await tx.query(`select set_config('plan_cache_mode', 'force_custom_plan', true)`);
		const { where, params, query } = searchWhere(p, [], opts.textMatch);
		const order = (alias: string) =>
			p.sort === 'usage'
				? `${alias}.usage_count desc, ${alias}.updated_at desc, ${alias}.id`
				: p.sort === 'recent' || !query
					? `${alias}.updated_at desc, ${alias}.id`
					: `${alias}.rank desc, ${alias}.updated_at desc, ${alias}.id`;
		const rank = query ? `ts_rank_cd(r.search, ${query})` : '0::real';
		const offset = (p.page - 1) * pageSize;
		// One scan: the visible matches (RLS applies) are materialised once, then counted, paged and faceted.
		const [f] = await tx.query<{ total: number; facets: Facets; page: { id: string; rank: number }[] | null }>(
			`with hits as materialized (
			   select r.id, r.kind, r.family, r.mechanism, r.segments, r.cpv_codes, ${VISIBLE_VALIDATED_NETWORKS} as validated_network_ids, r.reliability, r.year,
			          r.usage_count, r.updated_at, ${rank} as rank
			     from public.resources r where ${where})
			 select (select count(*)::int from hits) as total,
			        (select jsonb_agg(jsonb_build_object('id', h.id, 'rank', h.rank) order by ${order('h')})
			           from (select * from hits h order by ${order('h')} limit ${pageSize} offset ${offset}) h) as page,
			        jsonb_build_object(
			          'kind', coalesce((select jsonb_object_agg(k, n) from (select kind k, count(*) n from hits group by 1) s), '{}'),
			          'family', coalesce((select jsonb_object_agg(k, n) from (select family k, count(*) n from hits group by 1) s), '{}'),
			          'mechanism', coalesce((select jsonb_object_agg(k, n) from (select mechanism k, count(*) n from hits where mechanism is not null group by 1) s), '{}'),
			          'segment', coalesce((select jsonb_object_agg(k, n) from (select seg k, count(*) n from hits, unnest(segments) seg group by 1) s), '{}'),
			          'cpv', coalesce((select jsonb_object_agg(k, n) from (select d.k, count(*) n from hits h, lateral (select distinct left(c, 2) k from unnest(h.cpv_codes) c) d group by 1) s), '{}'),
			          'network', coalesce((select jsonb_agg(jsonb_build_object('id', k, 'name', nw.name, 'count', n) order by nw.name)
			                               from (select k, count(*) n from hits, unnest(validated_network_ids) k group by 1) s
			                               join public.networks nw on nw.id = s.k), '[]'),
			          'reliability', coalesce((select jsonb_object_agg(k, n) from (select reliability k, count(*) n from hits group by 1) s), '{}'),
			          'year', coalesce((select jsonb_object_agg(k, n) from (select year k, count(*) n from hits where year is not null group by 1) s), '{}')
			        ) as facets`,
			params
		);
		const page = f.page ?? [];
		let items: SearchHit[] = [];
		if (page.length) {
			// The page's rows, with their snippets (ts_headline is costly: only for these few rows).
			const headParams: unknown[] = [page.map((x) => x.id)];
			const q = query && p.q ? `(select websearch_to_tsquery('public.fr_unaccent', $2))` : null;
			if (q) headParams.push(p.q);
			const headline = q
				? `ts_headline('public.fr_unaccent', left(concat_ws(' — ', nullif(r.summary, ''), r.body, nullif(r.context, ''), nullif(r.actions, ''), nullif(r.lessons, '')), 20000), ${q},
				     'StartSel=${SEL_START}, StopSel=${SEL_STOP}, MaxFragments=2, MaxWords=28, MinWords=12, FragmentDelimiter=" … "')`
				: `left(coalesce(nullif(r.summary, ''), r.body, r.context), 240)`;
			const rows = await tx.query<SearchHit>(
				`select r.id, r.kind, r.title, r.summary, r.family, r.mechanism, r.segments, r.reliability, r.visibility, r.year,
				        r.usage_count, r.updated_at, a.org_name, ${headline} as snippet
				   from ${fromAuthors('$1::uuid[]')}
				  where r.id = any ($1::uuid[])`,
				headParams
			);
			const byId = new Map(rows.map((r) => [r.id, r]));
			items = page.flatMap((x) => {
				const r = byId.get(x.id);
				return r ? [{ ...r, rank: x.rank }] : [];
			});
		}
		return {
			total: f.total,
			facets: f.facets,
			page: p.page,
			pageSize,
			items: items.map((it) => ({
				...it,
				snippet: query ? snippetHtml(it.snippet) : escapeHtml(it.snippet)
			}))
		};
	});
}

/** Every visible item matching the filters (export), capped. */
export async function exportResources(db: Database, actor: Actor | null, p: Partial<SearchParams>, limit = 5000) {
	return withUser(db, actor, async (tx) => {
		const { where, params } = searchWhere(p);
		return tx.query<ResourceRow & { org_name: string | null }>(
			`with sel as materialized (select r.id, r.kind, r.title from public.resources r where ${where} order by r.kind, r.title limit ${limit})
			 select ${COLS}, a.org_name from ${fromAuthors('(select array_agg(id) from sel)')}
			  where r.id in (select id from sel) order by r.kind, r.title`,
			params
		);
	});
}

// ---------------------------------------------------------------------------------------------------------
// Reuse
// ---------------------------------------------------------------------------------------------------------
export async function setFavourite(db: Database, actor: Actor, id: string, on: boolean) {
	if (!UUID_RE.test(id)) throw notFound('Cette ressource');
	return withUser(db, actor, async (tx) => {
		if (on) {
			const [r] = await tx.query(`select 1 from public.resources where id = $1`, [id]);
			if (!r) throw notFound('Cette ressource');
			await guard(tx.query(`insert into public.resource_favourites (resource_id) values ($1) on conflict do nothing`, [id]));
		} else await tx.query(`delete from public.resource_favourites where resource_id = $1 and user_id = auth.uid()`, [id]);
	});
}

export async function listFavourites(db: Database, actor: Actor) {
	return withUser(db, actor, (tx) =>
		tx.query<{ id: string; kind: ResourceKind; title: string; summary: string; family: string; reliability: string; created_at: string }>(
			`select r.id, r.kind, r.title, r.summary, r.family, r.reliability, f.created_at
			   from public.resource_favourites f join public.resources r on r.id = f.resource_id
			  where f.user_id = auth.uid() order by f.created_at desc`
		)
	);
}

/** « J'utilise cette ressource » with optional feedback; once per person, the feedback can be updated. */
export async function recordUsage(db: Database, actor: Actor, id: string, input: { worked: string; notWorked: string }) {
	if (!UUID_RE.test(id)) throw notFound('Cette ressource');
	return withUser(db, actor, async (tx) => {
		const [r] = await tx.query(`select 1 from public.resources where id = $1`, [id]);
		if (!r) throw notFound('Cette ressource');
		const [org] = await tx.query<{ org_id: string }>(
			`select m.org_id from public.organisation_members m where m.user_id = auth.uid() and app.can_act_for_org(m.org_id)
			  order by m.created_at limit 1`
		);
		if (!org)
			throw forbidden(
				'Seuls les administrateurs et rédacteurs d’une collectivité signalent qu’elle utilise une ressource (les lecteurs consultent).'
			);
		await guard(
			tx.query(
				`insert into public.resource_usages (resource_id, org_id, worked, not_worked) values ($1, $2, $3, $4)
				 on conflict (resource_id, user_id) do update set worked = excluded.worked, not_worked = excluded.not_worked`,
				[id, org.org_id, input.worked, input.notWorked]
			)
		);
	});
}

export async function removeUsage(db: Database, actor: Actor, id: string) {
	return withUser(db, actor, (tx) => tx.query(`delete from public.resource_usages where resource_id = $1 and user_id = auth.uid()`, [id]));
}

/** Copies a visible item into one of the caller's collectivités, privately, keeping the link to its source. */
export async function copyResource(db: Database, actor: Actor, id: string, orgId: string) {
	if (!UUID_RE.test(id)) throw notFound('Cette ressource');
	const src = await withUser(db, actor, (tx) =>
		tx.query<ResourceRow & { linked_ids: string[] }>(
			`select ${COLS}, array(select l.id from app.resource_linked_clauses(r.id) l) as linked_ids
			   from ${fromAuthors('array[$1::uuid]')} where r.id = $1`,
			[id]
		)
	);
	if (!src.length) throw notFound('Cette ressource');
	const s = src[0];
	const input: ResourceInput = {
		kind: s.kind,
		title: s.title.startsWith('Copie de ') ? s.title : `Copie de ${s.title}`.slice(0, 300),
		summary: s.summary,
		body: s.body,
		family: s.family as ResourceInput['family'],
		mechanism: s.mechanism as ResourceInput['mechanism'],
		segments: s.segments,
		cpvCodes: s.cpv_codes,
		legalRefs: s.legal_refs,
		legalCheckedOn: s.legal_checked_on,
		licence: s.licence,
		visibility: 'private',
		parameters: s.parameters,
		year: s.year,
		procedure: s.procedure ?? '',
		amountBand: s.amount_band as ResourceInput['amountBand'],
		context: s.context,
		actions: s.actions,
		results: s.results,
		difficulties: s.difficulties,
		lessons: s.lessons,
		linkedClauseIds: s.linked_ids,
		anonymised: s.anonymised,
		contactName: '',
		contactEmail: null
	};
	return createResource(db, actor, orgId, input, { sourceId: id });
}

/** Texts and parameter defaults of some resources the caller may read (for the document view's insert dialog). */
export async function resourceTexts(db: Database, actor: Actor, ids: string[]) {
	if (!ids.length) return [];
	return withUser(db, actor, (tx) =>
		tx.query<{ id: string; body: string; parameters: Record<string, unknown> | null }>(
			`select id, body, parameters from public.resources where id = any ($1::uuid[])`,
			[ids.filter((x) => UUID_RE.test(x))]
		)
	);
}

/** SPASERs the caller may write, with their nodes (for « Utiliser dans mon SPASER »). */
export async function writableSpasers(db: Database, actor: Actor) {
	return withUser(db, actor, async (tx) => {
		const docs = await tx.query<{ id: string; title: string }>(
			`select s.id, s.title from public.spaser_documents s where app.spaser_access(s.id) = 'write' order by s.updated_at desc limit 50`
		);
		const nodes = docs.length
			? await tx.query<{ document_id: string; node_id: string; label: string; title: string; depth: number }>(
					`select document_id, node_id, label, title, depth from public.spaser_nodes where document_id = any ($1::uuid[]) order by document_id, position`,
					[docs.map((d) => d.id)]
				)
			: [];
		return docs.map((d) => ({ ...d, nodes: nodes.filter((n) => n.document_id === d.id) }));
	});
}

/**
 * « Utiliser dans mon SPASER »: 'inserted' appends the clause's text to the node's body in the live Y.Doc (through the
 * collaboration server, so open editors receive it); 'linked' adds the clause's address to the node's links and keeps
 * the reference in resource_spaser_links. Both are recorded in resource_spaser_links (usage history).
 */
export async function useInSpaser(
	db: Database,
	actor: Actor,
	id: string,
	input: { documentId: string; nodeId: string; mode: 'inserted' | 'linked'; params?: Record<string, string> }
) {
	if (!UUID_RE.test(id)) throw notFound('Cette ressource');
	const r = await withUser(db, actor, async (tx) => {
		const [res] = await tx.query<{ kind: ResourceKind; title: string; body: string; summary: string; parameters: Record<string, unknown> | null }>(
			`select kind, title, body, summary, parameters from public.resources where id = $1`,
			[id]
		);
		if (!res) throw notFound('Cette ressource');
		if (input.mode === 'inserted') {
			// A clause's {paramètres} are filled in: the values given, else the model's defaults. The document view
			// asks for every one (input.params) and is refused one left empty; the resource page does not ask.
			const values = { ...Object.fromEntries(clauseParams(res.body, res.parameters ?? {}).map((p) => [p.name, p.value])), ...input.params };
			const missing = input.params ? missingParams(res.body, values) : [];
			if (missing.length)
				throw new AppError('invalid', `Renseignez le paramètre «\u00a0${missing[0]}\u00a0» de la clause.`, 400, { field: `param:${missing[0]}` });
			res.body = fillParams(res.body, values);
		}
		const [acc] = await tx.query<{ access: string | null }>(`select app.spaser_access($1) as access`, [input.documentId]);
		if (acc?.access !== 'write') throw forbidden('Vous ne pouvez pas modifier ce SPASER.');
		const [node] = await tx.query(`select 1 from public.spaser_nodes where document_id = $1 and node_id = $2`, [input.documentId, input.nodeId]);
		if (!node) throw new AppError('invalid', "Cet élément n'existe pas dans ce SPASER.", 400, { field: 'nodeId' });
		const [dup] =
			input.mode === 'linked'
				? await tx.query(`select 1 from public.resource_spaser_links where resource_id = $1 and document_id = $2 and node_id = $3 and mode = 'linked'`, [
						id,
						input.documentId,
						input.nodeId
					])
				: [];
		if (dup) throw new AppError('conflict', 'Cette ressource est déjà liée à cet élément du SPASER.', 409);
		await guard(
			tx.query(`insert into public.resource_spaser_links (resource_id, document_id, node_id, mode, created_by) values ($1, $2, $3, $4, auth.uid())`, [
				id,
				input.documentId,
				input.nodeId,
				input.mode
			])
		);
		return res;
	});
	const path = resourcePath(r.kind, id);
	let missing = false;
	const doc = await changeLiveDoc(db, input.documentId, (d) => {
		const n = getNode(d, input.nodeId);
		// an element in the Corbeille is not written into (it may have left the projection yet)
		if (!n || isDeleted(n)) {
			missing = true;
			return;
		}
		if (input.mode === 'linked') {
			setLink(d, input.nodeId, path, true);
			return;
		}
		const frag = bodyFragment(d, input.nodeId);
		d.transact(() => {
			const heading = new Y.XmlElement('paragraph');
			const ht = new Y.XmlText();
			ht.insert(0, `Clause « ${r.title} »`, { bold: {} });
			heading.insert(0, [ht]);
			const paras = (r.body || r.summary)
				.split(/\n{2,}|\n/)
				.map((p) => p.trim())
				.filter(Boolean)
				.map((p) => {
					const el = new Y.XmlElement('paragraph');
					const t = new Y.XmlText();
					t.insert(0, p);
					el.insert(0, [t]);
					return el;
				});
			frag.insert(frag.length, [heading, ...paras]);
		});
	});
	if (missing) throw new AppError('invalid', "Cet élément n'existe plus dans ce SPASER.", 409);
	await projectDocument(db, input.documentId, doc);
}

// ---------------------------------------------------------------------------------------------------------
// Attachments
// ---------------------------------------------------------------------------------------------------------
async function requireAttacher(tx: Tx, resourceId: string): Promise<void> {
	const [ok] = await tx.query<{ ok: boolean }>(`select app.has_org_role(app.resource_org($1), array['admin','editor']) as ok`, [resourceId]);
	if (!ok?.ok) throw forbidden('Seuls les administrateurs et rédacteurs de la collectivité ajoutent des pièces jointes.');
}

/** Whether the user may attach files to this resource (checked by the upload form before it reads the body). */
export async function canAttach(db: Database, actor: Actor, resourceId: string): Promise<boolean> {
	if (!UUID_RE.test(resourceId)) return false;
	try {
		await withUser(db, actor, (tx) => requireAttacher(tx, resourceId));
		return true;
	} catch {
		return false;
	}
}

export async function addAttachment(db: Database, actor: Actor, id: string, filename: string, bytes: Uint8Array) {
	if (!UUID_RE.test(id)) throw notFound('Cette ressource');
	if (!bytes.byteLength) throw new AppError('invalid_file', 'Le fichier est vide.', 400, { field: 'file' });
	if (bytes.byteLength > MAX_ATTACHMENT_BYTES)
		throw new AppError('file_too_large', 'Le fichier dépasse 10 Mo : réduisez-le ou découpez-le.', 413, { field: 'file' });
	// The right first: a user who may not attach gets 403 at once, before anything reads the file.
	await guard(withUser(db, actor, (tx) => requireAttacher(tx, id)));
	const type: SniffedType | null = sniffDocument(bytes);
	if (!type || !ATTACHMENT_KINDS.has(type.kind))
		throw new AppError(
			'invalid_file_type',
			'Type de fichier non accepté : seuls les documents PDF, DOCX, ODT et XLSX sont acceptés (le type est vérifié sur le contenu du fichier).',
			415,
			{ field: 'file' }
		);
	// Text for search, extracted in a worker thread (bounded heap and time; a hostile file fails with 413/422).
	const text = await runFileTask<string>(actor.id, { kind: 'extract-text', bytes, type: type.kind });
	const clean = [...filename].map((c) => (c === '/' || c === '\\' || c.charCodeAt(0) < 32 ? '_' : c)).join('').trim().slice(-200) || `piece-jointe.${type.ext}`;
	const name = clean.toLowerCase().endsWith('.' + type.ext) ? clean : `${clean.replace(/\.[a-z0-9]{1,5}$/i, '')}.${type.ext}`;
	return withUser(db, actor, async (tx) => {
		await requireAttacher(tx, id);
		const [row] = await guard(
			tx.query<{ id: string }>(
				`insert into public.resource_attachments (resource_id, filename, mime, byte_size, data, text_content)
				 values ($1, $2, $3, $4, $5, $6) returning id`,
				[id, name, type.mime, bytes.byteLength, bytes, text]
			)
		);
		return { id: row.id, filename: name, mime: type.mime, textLength: text.length };
	});
}

export async function getAttachment(db: Database, actor: Actor | null, attachmentId: string) {
	if (!UUID_RE.test(attachmentId)) throw notFound('Cette pièce jointe');
	return withUser(db, actor, async (tx) => {
		const [a] = await tx.query<{ filename: string; mime: string; data: Uint8Array }>(
			`select filename, mime, data from public.resource_attachments where id = $1`,
			[attachmentId]
		);
		if (!a) throw notFound('Cette pièce jointe');
		return a;
	});
}

export async function deleteAttachment(db: Database, actor: Actor, attachmentId: string) {
	return withUser(db, actor, async (tx) => {
		const rows = await tx.query(`delete from public.resource_attachments where id = $1 returning id`, [attachmentId]);
		if (!rows.length) throw forbidden();
	});
}

// ---------------------------------------------------------------------------------------------------------
// Insertion-hours calculator and links out
// ---------------------------------------------------------------------------------------------------------
export interface CalcRules {
	hoursPer10k: number;
	minHoursPerYear: number;
	thresholdEurHt: number;
	segmentFactors: Record<string, number>;
}

/** Labour intensity of each top-level segment (share of labour in the price), relative to services. */
export const DEFAULT_SEGMENT_FACTORS: Record<string, number> = {
	travaux: 1,
	services: 1,
	fournitures: 0.3,
	prestations_intellectuelles: 0.5,
	alimentation: 0.5
};

export const DEFAULT_RULES: CalcRules = { hoursPer10k: 10, minHoursPerYear: 150, thresholdEurHt: 90000, segmentFactors: DEFAULT_SEGMENT_FACTORS };

export interface CalcResult {
	totalHours: number;
	hoursPerYear: number;
	rawHours: number;
	minimumApplied: boolean;
	belowThreshold: boolean;
	factor: number;
	clauseText: string;
}

const fmt = (n: number, digits = 0) => n.toLocaleString('fr-FR', { maximumFractionDigits: digits }).replace(/\u202f/g, '\u00a0');

/** Hours = amount / 10 000 × rate × labour factor of the segment, with an annual minimum. */
export function computeInsertionHours(amount: number, years: number, segment: string, rules: CalcRules): CalcResult {
	const top = segment.split('.')[0];
	const factor = rules.segmentFactors[segment] ?? rules.segmentFactors[top] ?? 1;
	const rawHours = Math.ceil((amount / 10000) * rules.hoursPer10k * factor);
	const minTotal = Math.ceil(rules.minHoursPerYear * years);
	const totalHours = Math.max(rawHours, minTotal);
	const hoursPerYear = Math.ceil(totalHours / years);
	const clauseText =
		`Le titulaire s'engage à réserver à des personnes rencontrant des difficultés sociales ou professionnelles particulières, ` +
		`pendant l'exécution du marché, un volume d'au moins ${fmt(totalHours)}\u00a0heures de travail, soit ${fmt(hoursPerYear)}\u00a0heures par an ` +
		`sur ${fmt(years, 2)}\u00a0an${years > 1 ? 's' : ''} (${fmt(rules.hoursPer10k, 2)}\u00a0heures par tranche de 10\u00a0000\u00a0€\u00a0HT` +
		`${factor !== 1 ? `, pondérées par ${fmt(factor, 2)} pour la part de main-d'œuvre du segment` : ''}, avec un minimum de ` +
		`${fmt(rules.minHoursPerYear)}\u00a0heures par an). Il peut y répondre par l'embauche directe, le recours à une structure de ` +
		`l'insertion par l'activité économique (mise à disposition ou sous-traitance) ou l'apprentissage. Le facilitateur de la clause ` +
		`valide l'éligibilité des publics et le titulaire transmet chaque trimestre l'état des heures réalisées.`;
	return { totalHours, hoursPerYear, rawHours, minimumApplied: totalHours > rawHours, belowThreshold: amount < rules.thresholdEurHt, factor, clauseText };
}

export async function getCalcRules(db: Database, actor: Actor | null, networkId: string | null): Promise<CalcRules> {
	if (!networkId || !UUID_RE.test(networkId)) return DEFAULT_RULES;
	const rows = await withUser(db, actor, (tx) =>
		tx.query<{ hours_per_10k: number; min_hours_per_year: number; threshold_eur_ht: number; segment_factors: Record<string, number> }>(
			`select hours_per_10k, min_hours_per_year, threshold_eur_ht, segment_factors from public.resource_calc_settings where network_id = $1`,
			[networkId]
		)
	);
	if (!rows.length) return DEFAULT_RULES;
	const r = rows[0];
	return {
		hoursPer10k: Number(r.hours_per_10k),
		minHoursPerYear: Number(r.min_hours_per_year),
		thresholdEurHt: Number(r.threshold_eur_ht),
		segmentFactors: { ...DEFAULT_SEGMENT_FACTORS, ...r.segment_factors }
	};
}

export async function saveCalcRules(db: Database, actor: Actor, networkId: string, rules: Omit<CalcRules, 'segmentFactors'>) {
	return withUser(db, actor, async (tx) => {
		const [ok] = await tx.query<{ ok: boolean }>(`select app.is_network_animator($1) or app.is_platform_admin() as ok`, [networkId]);
		if (!ok?.ok) throw forbidden('Seuls les animateurs du réseau modifient ses règles de calcul.');
		await guard(
			tx.query(
				`insert into public.resource_calc_settings (network_id, hours_per_10k, min_hours_per_year, threshold_eur_ht)
				 values ($1, $2, $3, $4)
				 on conflict (network_id) do update set hours_per_10k = excluded.hours_per_10k, min_hours_per_year = excluded.min_hours_per_year,
				   threshold_eur_ht = excluded.threshold_eur_ht, updated_at = now()`,
				[networkId, rules.hoursPer10k, rules.minHoursPerYear, rules.thresholdEurHt]
			)
		);
	});
}

/** Networks the caller belongs to or animates (calculator rules, facets). */
export async function myNetworks(db: Database, actor: Actor) {
	return withUser(db, actor, (tx) =>
		tx.query<{ id: string; name: string; animator: boolean }>(
			`select n.id, n.name, n.id = any ((select app.my_animated_network_ids())::uuid[]) as animator from public.networks n
			  where n.id = any ((select app.my_network_ids())::uuid[]) or n.id = any ((select app.my_animated_network_ids())::uuid[])
			  order by n.name`
		)
	);
}

/** The Marché de l'inclusion supplier search for a segment and a département (link out, do not rebuild). */
export function inclusionSearchUrl(segment: string | null, departement: string | null): string {
	const url = new URL('https://lemarche.inclusion.beta.gouv.fr/prestataires/');
	const sector = segment ? (INCLUSION_SECTORS[segment] ?? INCLUSION_SECTORS[segment.split('.')[0]]) : null;
	if (sector) url.searchParams.set('sectors', sector);
	const name = departement ? DEPARTEMENTS[departement] : null;
	if (name)
		url.searchParams.set(
			'perimeters',
			name
				.normalize('NFD')
				.replace(/\p{Diacritic}/gu, '')
				.toLowerCase()
				.replace(/[^a-z0-9]+/g, '-')
				.replace(/^-|-$/g, '')
		);
	return url.toString();
}
