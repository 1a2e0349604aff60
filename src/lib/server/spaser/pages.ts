// Helpers for the SPASER pages: who can be mentioned in a comment, and a read-only rendering model of a content
// (version view, public page, print page) with sanitized HTML bodies and formatted targets.
import { elevated, withUser, type Actor, type Database } from '../db';
import { notFound } from '$lib/server/kit/errors';
import { isUuid } from '$lib/server/kit/ids';
import { outlineContent } from '../../spaser/content-schema';
import { indicatorByCode } from '../../spaser/indicators';
import { NODE_KINDS, NODE_STATUSES, type NodeKind, type NodeStatus } from '../../spaser/model';
import { richToHtml } from '../../spaser/rich';
import type { DocContent } from '../../spaser/ydoc';
import { describeTarget } from './docx';

export interface MentionablePerson {
	id: string;
	name: string;
	/** Names of the SPASER's collectivités the person belongs to. */
	orgs: string[];
}

/**
 * Members of the SPASER's collectivités (the people a comment may mention), for someone who can read the SPASER.
 * For a joint SPASER this includes members of co-owners the reader does not belong to, so the list is read with
 * `elevated` once access is established — and only names, never e-mail addresses.
 */
export async function listMentionablePeople(
	db: Database,
	actor: Actor,
	documentId: string
): Promise<MentionablePerson[]> {
	if (!isUuid(documentId)) throw notFound('Ce SPASER');
	return withUser(db, actor, async (tx) => {
		const [acc] = await tx.query<{ access: string | null }>('select app.spaser_access($1) as access', [documentId]);
		if (!acc?.access) throw notFound('Ce SPASER');
		const rows = await elevated(tx, (t) =>
			t.query<{ id: string; name: string; orgs: string[] }>(
				`select u.id, u.display_name as name, array_agg(distinct o.name order by o.name) as orgs
				   from public.spaser_document_orgs d
				   join public.organisation_members m on m.org_id = d.org_id
				   join public.users u on u.id = m.user_id
				   join public.organisations o on o.id = d.org_id
				  where d.document_id = $1
				  group by u.id, u.display_name
				  order by u.display_name, u.id`,
				[documentId]
			)
		);
		return rows.map((r) => ({ id: r.id, name: r.name, orgs: (r.orgs ?? []).map(String) }));
	});
}

export interface ReadableTarget {
	id: string;
	indicator: string;
	unit: string;
	value: string;
	milestones: string;
	perimeter: string;
	/** Catalogue label when the target uses a catalogue indicator. */
	catalogue: string | null;
}

export interface ReadableNode {
	id: string;
	depth: number;
	number: string;
	label: string;
	levelName: string;
	title: string;
	kind: NodeKind;
	kindLabel: string;
	status: NodeStatus;
	statusLabel: string;
	pilot: string;
	resources: string[];
	tools: string[];
	/** Labels (« Chantier 3 — titre ») of linked nodes that exist. */
	links: string[];
	/** Sanitized HTML (richToHtml escapes every text and keeps only known elements and safe links). */
	bodyHtml: string;
	targets: ReadableTarget[];
}

export interface ReadableContent {
	levelNames: string[];
	numbering: 'global' | 'per_parent';
	nodes: ReadableNode[];
	/** Count of nodes per level (index 0 = level 1). */
	countsByLevel: number[];
	targetCount: number;
}

/** The content in document order, numbered with the SPASER's level names, ready for a read-only page. */
export function readableContent(content: DocContent): ReadableContent {
	const { order, outline } = outlineContent(content);
	const countsByLevel: number[] = [];
	const byId = new Map(order.map((n) => [n.id, n]));
	let targetCount = 0;
	const nodes = order.map((n): ReadableNode => {
		const o = outline.get(n.id)!;
		countsByLevel[o.depth - 1] = (countsByLevel[o.depth - 1] ?? 0) + 1;
		targetCount += n.targets.length;
		return {
			id: n.id,
			depth: o.depth,
			number: o.number,
			label: o.label,
			levelName: o.levelName,
			title: n.title,
			kind: n.kind,
			kindLabel: NODE_KINDS[n.kind] ?? n.kind,
			status: n.status,
			statusLabel: NODE_STATUSES[n.status] ?? n.status,
			pilot: n.pilot,
			resources: n.resources,
			tools: n.tools,
			links: n.links
				.filter((id) => byId.has(id) && id !== n.id)
				.map((id) => `${outline.get(id)!.label} — ${byId.get(id)!.title || 'sans titre'}`),
			bodyHtml: richToHtml(n.body),
			targets: n.targets.map((t) => ({
				id: t.id,
				...describeTarget(t),
				catalogue: indicatorByCode(t.indicatorCode)?.label ?? null
			}))
		};
	});
	for (let i = 0; i < countsByLevel.length; i++) countsByLevel[i] ??= 0;
	return {
		levelNames: content.settings.levelNames,
		numbering: content.settings.numbering,
		nodes,
		countsByLevel,
		targetCount
	};
}
