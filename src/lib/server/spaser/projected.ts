// Reads of the relational projection of a SPASER (spaser_nodes, spaser_targets: see projection.ts), as the
// person may see them: through RLS, after the document itself was found readable.
import { withUser, type Actor, type Database } from '../db';
import type { Milestone, RichNode } from '../../spaser/model';
import { getSpaserDocument } from './documents';

export interface ProjectedNode {
	node_id: string;
	parent_id: string | null;
	position: number;
	depth: number;
	number: string;
	label: string;
	level_name: string;
	title: string;
	body_text: string;
	body_json: RichNode[];
	kind: 'normal' | 'action_bonus' | 'focus';
	status: 'a_lancer' | 'en_cours' | 'realisee' | 'abandonnee';
	pilot: string;
	resources: string[];
	tools: string[];
	links: string[];
}

export interface ProjectedTarget {
	node_id: string;
	node_label: string;
	node_title: string;
	target_id: string;
	indicator_code: string | null;
	label: string;
	unit: string;
	value: string | number | null;
	year: number | null;
	milestones: Milestone[];
	baseline_year: number | null;
	relative: boolean;
	threshold_eur_ht: string | number | null;
	scope: string;
}

/** The nodes in document order, with the time of the projection (not found when the person cannot read it). */
export async function listProjectedNodes(
	db: Database,
	actor: Actor,
	documentId: string
): Promise<{ projectedAt: Date | null; nodes: ProjectedNode[] }> {
	const doc = await getSpaserDocument(db, actor, documentId);
	const nodes = await withUser(db, actor, (tx) =>
		tx.query<ProjectedNode>(
			`select node_id, parent_id, position, depth, number, label, level_name, title, body_text, body_json, kind, status, pilot,
			        resources, tools, links
			   from public.spaser_nodes where document_id = $1 order by position`,
			[documentId]
		)
	);
	return { projectedAt: doc.projected_at, nodes };
}

/** Every target with the node that carries it, in document order. */
export async function listProjectedTargets(
	db: Database,
	actor: Actor,
	documentId: string
): Promise<{ projectedAt: Date | null; targets: ProjectedTarget[] }> {
	const doc = await getSpaserDocument(db, actor, documentId);
	const targets = await withUser(db, actor, (tx) =>
		tx.query<ProjectedTarget>(
			`select t.node_id, n.label as node_label, n.title as node_title, t.target_id, t.indicator_code, t.label, t.unit, t.value, t.year,
			        t.milestones, t.baseline_year, t.relative, t.threshold_eur_ht, t.scope
			   from public.spaser_targets t
			   join public.spaser_nodes n on n.document_id = t.document_id and n.node_id = t.node_id
			  where t.document_id = $1
			  order by n.position, t.target_id`,
			[documentId]
		)
	);
	return { projectedAt: doc.projected_at, targets };
}
