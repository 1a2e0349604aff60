// The state of one element of a SPASER, as the per-element history shows it and « rétablir cet élément tel qu'il
// était le … » writes it back: its own content (title, text, fields, targets, links), its place and whether it is
// in the Corbeille. Shared by the browser (which restores through its Y.Doc, so the change is live and undoable)
// and the server (history replay, version restore).
import * as Y from 'yjs';
import type { PlainNode } from './model';
import { fragmentToJson, setFragmentJson } from './rich';
import { applyTextChange } from './ytext';
import {
	clearDeleted,
	getNode,
	isDeleted,
	markDeleted,
	readPlain,
	readTarget,
	writeNodeFields,
	writeTarget,
	STRUCTURE,
	type DeletedBy
} from './ydoc';

export interface ElementState extends PlainNode {
	deleted: boolean;
}

/** One entry of an element's history ($lib/server/spaser/history): one person's changes close in time. */
export interface HistoryEntry {
	userId: string | null;
	/** null: a change not made by a person (version restore, import, conversion, or before the log was kept). */
	userName: string | null;
	from: string;
	to: string;
	changes: ChangeKind[];
	/** The element at the end of this entry: what « rétablir » writes back. */
	state: ElementState;
}

export interface ElementHistory {
	nodeId: string;
	/** Most recent first. */
	entries: HistoryEntry[];
	/** false when the log was longer than the replay limits: the most recent changes may be missing. */
	complete: boolean;
}

/** What a change to an element touched, in the history's words. */
export type ChangeKind =
	'created' | 'title' | 'text' | 'fields' | 'targets' | 'links' | 'moved' | 'deleted' | 'restored';

export const CHANGE_LABELS: Record<ChangeKind, string> = {
	created: 'création',
	title: 'titre',
	text: 'texte',
	fields: 'champs',
	targets: 'cibles',
	links: 'liens',
	moved: 'déplacement',
	deleted: 'mise à la corbeille',
	restored: 'restauration'
};

export const stable = (v: unknown) =>
	JSON.stringify(v, (_k, val) =>
		val && typeof val === 'object' && !Array.isArray(val)
			? Object.fromEntries(Object.entries(val).sort(([x], [y]) => (x < y ? -1 : 1)))
			: val
	);

export function readElementState(doc: Y.Doc, id: string): ElementState | null {
	const n = getNode(doc, id);
	return n instanceof Y.Map ? { ...readPlain(id, n), deleted: isDeleted(n) } : null;
}

/** The kinds of change between two states of one element (before null: it was created). */
export function changesBetween(before: ElementState | null, after: ElementState | null): ChangeKind[] {
	if (!after) return [];
	if (!before) return ['created'];
	const out: ChangeKind[] = [];
	if (before.title !== after.title) out.push('title');
	if (stable(before.body) !== stable(after.body)) out.push('text');
	if (
		['kind', 'status', 'pilot', 'resources', 'tools'].some(
			(k) => stable(before[k as keyof PlainNode]) !== stable(after[k as keyof PlainNode])
		)
	)
		out.push('fields');
	if (stable(before.targets) !== stable(after.targets)) out.push('targets');
	if (stable(before.links) !== stable(after.links)) out.push('links');
	if (before.parentId !== after.parentId || before.order !== after.order) out.push('moved');
	if (!before.deleted && after.deleted) out.push('deleted');
	if (before.deleted && !after.deleted) out.push('restored');
	return out;
}

/** Writes a node's own content (not its place) as minimal edits: title, body, fields, links and targets. */
export function writeNodeContent(m: Y.Map<unknown>, n: Omit<PlainNode, 'id' | 'parentId' | 'order'>) {
	let title = m.get('title');
	if (!(title instanceof Y.Text)) {
		title = new Y.Text();
		m.set('title', title);
	}
	applyTextChange(title as Y.Text, n.title);
	let body = m.get('body');
	if (!(body instanceof Y.XmlFragment)) {
		body = new Y.XmlFragment();
		m.set('body', body);
	}
	if (stable(fragmentToJson(body as Y.XmlFragment)) !== stable(n.body)) setFragmentJson(body as Y.XmlFragment, n.body);
	writeNodeFields(m, {
		kind: n.kind,
		status: n.status,
		pilot: n.pilot,
		resources: n.resources,
		tools: n.tools,
		links: n.links
	});
	let targets = m.get('targets');
	if (!(targets instanceof Y.Map)) {
		targets = new Y.Map<unknown>();
		m.set('targets', targets);
	}
	const tm = targets as Y.Map<unknown>;
	const wanted = new Map(n.targets.map((t) => [t.id, t]));
	for (const id of [...tm.keys()]) if (!wanted.has(id)) tm.delete(id);
	for (const [id, t] of wanted) if (stable(readTarget(tm.get(id))) !== stable(t)) writeTarget(tm, t);
}

/**
 * « Rétablir cet élément tel qu'il était »: its content as in `state`, and in or out of the Corbeille as then.
 * It stays where it is now (moving it back could break the outline colleagues built since). One change of this
 * person (origin STRUCTURE): live for the others, and undoable.
 */
export function restoreElementState(doc: Y.Doc, id: string, state: ElementState, by: DeletedBy | null) {
	const m = getNode(doc, id);
	if (!m) return false;
	doc.transact(() => {
		writeNodeContent(m, state);
		if (state.deleted && !isDeleted(m)) markDeleted(m, by);
		if (!state.deleted) clearDeleted(m);
	}, STRUCTURE);
	return true;
}
