// Reusing shared resources: favourites, usage with feedback, copying into one's collectivité, using a clause in
// a SPASER (inserted text or link).
import * as Y from 'yjs';
import type { Actor, Database } from '../db';
import { withUser } from '../db';
import { AppError, forbidden, guard, notFound } from '$lib/server/kit/errors';
import { isUuid } from '$lib/server/kit/ids';
import { changeLiveDoc, readLiveDoc } from '../spaser/live';
import { getSpaserAccess } from '../spaser/documents';
import { projectDocument } from '../spaser/projection';
import { bodyFragment, getNode, isDeleted, setLink } from '../../spaser/ydoc';
import { clauseParams, fillParams, missingParams } from '../../spaser/clause-params';
import { resourceErrors } from './access';
import type { ResourceKind } from '$lib/resources/labels';
import type { ResourceInput } from './input';
import { COLS, fromAuthors, resourcePath, type ResourceRow } from './model';
import { createResource } from './editing';
import { searchResources } from './search';

export async function setFavourite(db: Database, actor: Actor, id: string, on: boolean) {
	if (!isUuid(id)) throw notFound('Cette ressource');
	return withUser(db, actor, async (tx) => {
		if (on) {
			const [r] = await tx.query(`select 1 from public.resources where id = $1`, [id]);
			if (!r) throw notFound('Cette ressource');
			await guard(
				tx.query(`insert into public.resource_favourites (resource_id) values ($1) on conflict do nothing`, [id]),
				resourceErrors
			);
		} else
			await tx.query(`delete from public.resource_favourites where resource_id = $1 and user_id = auth.uid()`, [id]);
	});
}

export async function listFavourites(db: Database, actor: Actor) {
	return withUser(db, actor, (tx) =>
		tx.query<{
			id: string;
			kind: ResourceKind;
			title: string;
			summary: string;
			family: string;
			reliability: string;
			created_at: string;
		}>(
			`select r.id, r.kind, r.title, r.summary, r.family, r.reliability, f.created_at
			   from public.resource_favourites f join public.resources r on r.id = f.resource_id
			  where f.user_id = auth.uid() order by f.created_at desc`
		)
	);
}

/** « J'utilise cette ressource » with optional feedback; once per person, the feedback can be updated. */
export async function recordUsage(
	db: Database,
	actor: Actor,
	id: string,
	input: { worked: string; notWorked: string }
) {
	if (!isUuid(id)) throw notFound('Cette ressource');
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
			),
			resourceErrors
		);
	});
}

export async function removeUsage(db: Database, actor: Actor, id: string) {
	return withUser(db, actor, (tx) =>
		tx.query(`delete from public.resource_usages where resource_id = $1 and user_id = auth.uid()`, [id])
	);
}

/** Copies a visible item into one of the caller's collectivités, privately, keeping the link to its source. */
export async function copyResource(db: Database, actor: Actor, id: string, orgId: string) {
	if (!isUuid(id)) throw notFound('Cette ressource');
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
			[ids.filter(isUuid)]
		)
	);
}

/**
 * The document view's insert dialog: the first 8 clauses or REX the person may read (RLS) for a search, each clause
 * with its {paramètres} and their default values.
 */
export async function libraryForInsert(db: Database, actor: Actor, q: string, type: 'clause' | 'rex') {
	const found = await searchResources(db, actor, { q, kind: type, sort: 'relevance', page: 1 }, { pageSize: 8 });
	const texts = new Map(
		(
			await resourceTexts(
				db,
				actor,
				found.items.map((i) => i.id)
			)
		).map((t) => [t.id, t])
	);
	return {
		total: found.total,
		items: found.items.map((i) => {
			const t = texts.get(i.id);
			return {
				id: i.id,
				kind: i.kind,
				title: i.title,
				summary: i.summary,
				params: i.kind === 'clause' && t ? clauseParams(t.body, t.parameters ?? {}) : []
			};
		})
	};
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
	if (!isUuid(id)) throw notFound('Cette ressource');
	// The element must be in the live document, not only in its projection (spaser_nodes is written a few seconds
	// after a change: an element just added would be refused). The live document is read without RLS: only once the
	// right to write this SPASER is established.
	if ((await getSpaserAccess(db, actor, input.documentId)) !== 'write')
		throw forbidden('Vous ne pouvez pas modifier ce SPASER.');
	const target = getNode(await readLiveDoc(db, input.documentId), input.nodeId);
	if (!target || isDeleted(target))
		throw new AppError('invalid', "Cet élément n'existe pas dans ce SPASER.", 400, { field: 'nodeId' });
	const r = await withUser(db, actor, async (tx) => {
		const [res] = await tx.query<{
			kind: ResourceKind;
			title: string;
			body: string;
			summary: string;
			parameters: Record<string, unknown> | null;
		}>(`select kind, title, body, summary, parameters from public.resources where id = $1`, [id]);
		if (!res) throw notFound('Cette ressource');
		if (input.mode === 'inserted') {
			// A clause's {paramètres} are filled in: the values given, else the model's defaults. The document view
			// asks for every one (input.params) and is refused one left empty; the resource page does not ask.
			const values = {
				...Object.fromEntries(clauseParams(res.body, res.parameters ?? {}).map((p) => [p.name, p.value])),
				...input.params
			};
			const missing = input.params ? missingParams(res.body, values) : [];
			if (missing.length)
				throw new AppError('invalid', `Renseignez le paramètre «\u00a0${missing[0]}\u00a0» de la clause.`, 400, {
					field: `param:${missing[0]}`
				});
			res.body = fillParams(res.body, values);
		}
		const [acc] = await tx.query<{ access: string | null }>(`select app.spaser_access($1) as access`, [
			input.documentId
		]);
		if (acc?.access !== 'write') throw forbidden('Vous ne pouvez pas modifier ce SPASER.');
		const [dup] =
			input.mode === 'linked'
				? await tx.query(
						`select 1 from public.resource_spaser_links where resource_id = $1 and document_id = $2 and node_id = $3 and mode = 'linked'`,
						[id, input.documentId, input.nodeId]
					)
				: [];
		if (dup) throw new AppError('conflict', 'Cette ressource est déjà liée à cet élément du SPASER.', 409);
		await guard(
			tx.query(
				`insert into public.resource_spaser_links (resource_id, document_id, node_id, mode, created_by) values ($1, $2, $3, $4, auth.uid())`,
				[id, input.documentId, input.nodeId, input.mode]
			),
			resourceErrors
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
