// A SPASER is one Y.Doc:
//   settings: Y.Map  { levelNames: string[], numbering: 'global' | 'per_parent' }
//   nodes:    Y.Map<Y.Map> keyed by node id; each node map holds
//     parentId (string|null), order (fractional key), title (Y.Text), body (Y.XmlFragment, edited by Tiptap),
//     kind, status, pilot (Y.Text), resources/tools (Y.Text, comma-separated), links (Y.Array<node id>),
//     targets (Y.Map<targetId, Y.Map>): each target a Y.Map whose label/indicatorCode/unit/scope are Y.Text and
//     whose other fields are plain values, so that two people editing different fields never overwrite each other
// Every short text a person types into is a Y.Text (edited through $lib/spaser/ybinding), so concurrent typing
// merges character by character. Documents written before that stored pilot as a string, resources/tools as
// string[], links as string[], targets as plain objects and settings.levelNames as string[]: every reader here
// accepts both shapes,
// and upgradeLegacyFields() converts the old shapes when a writer opens the document.
// The tree is flat (parent pointer + order key) so that concurrent inserts and moves merge; readTree() turns
// it into the numbered outline and repairs what concurrency can produce (cycles, orphans, too deep).
import * as Y from 'yjs';
import { jitter, keyBetween } from './order';
import { applyTextChange } from './ytext';
import { fragmentToJson, setFragmentJson } from './rich';
import {
	MAX_DEPTH,
	type DocSettings,
	type NodeKind,
	type NodeStatus,
	type PlainNode,
	type RichNode,
	type Target,
	type TreeNode
} from './model';

/**
 * The origin of a change made by this person in this page (see $lib/spaser/undo): the per-person undo manager
 * tracks every LocalOrigin (structure, short fields) and nothing else, so a colleague's change is never undone.
 */
export class LocalOrigin {
	constructor(readonly what: string) {}
}
/** Origin of structural and whole-field writes made through this module. */
export const STRUCTURE = new LocalOrigin('structure');

export const DEFAULT_SETTINGS: DocSettings = { levelNames: ['Axe', 'Chantier', 'Action'], numbering: 'global' };

export function nodesMap(doc: Y.Doc): Y.Map<Y.Map<unknown>> {
	return doc.getMap('nodes');
}

export function settingsMap(doc: Y.Doc): Y.Map<unknown> {
	return doc.getMap('settings');
}

export function newId(): string {
	return crypto.randomUUID();
}

/** The text of a Y.Text, or of a value stored by older documents (string, or string[] joined with « , »). */
export function readText(v: unknown): string {
	if (v instanceof Y.Text) return v.toString();
	if (Array.isArray(v)) return v.map(String).join(', ');
	return v === null || v === undefined ? '' : String(v);
}

/** A comma-separated list field (resources, tools) as its items. */
function readList(v: unknown): string[] {
	if (Array.isArray(v)) return v.map(String);
	return readText(v)
		.split(',')
		.map((x) => x.trim())
		.filter(Boolean);
}

/** Replaces the text at map[key] by `value` with a minimal edit; a legacy plain value becomes a Y.Text. */
function writeText(map: Y.Map<unknown>, key: string, value: string) {
	const cur = map.get(key);
	if (cur instanceof Y.Text) {
		if (cur.doc) applyTextChange(cur, value);
		else if (cur.toString() !== value) map.set(key, new Y.Text(value));
	} else map.set(key, new Y.Text(value));
}

/** Runs `f` as one change of this page's person (origin STRUCTURE), or inside the transaction already open. */
function tx(doc: Y.Doc, f: () => void) {
	doc.transact(f, STRUCTURE);
}

function levelNamesArray(doc: Y.Doc): Y.Array<Y.Text> | null {
	const v = settingsMap(doc).get('levelNames');
	return v instanceof Y.Array ? (v as Y.Array<Y.Text>) : null;
}

export function readSettings(doc: Y.Doc): DocSettings {
	const s = settingsMap(doc);
	const raw = s.get('levelNames');
	const numbering = s.get('numbering');
	let levelNames: string[] = [];
	if (raw instanceof Y.Array) {
		levelNames = (raw.toArray() as unknown[]).map((t) => readText(t).trim());
		while (levelNames.length && !levelNames.at(-1)) levelNames.pop();
		// a name being retyped can be empty for a moment: its level still needs a name
		levelNames = levelNames.map((n, i) => n || `Niveau ${i + 1}`);
	} else if (Array.isArray(raw)) levelNames = raw as string[];
	return {
		levelNames: levelNames.length ? levelNames : DEFAULT_SETTINGS.levelNames,
		numbering: numbering === 'per_parent' ? 'per_parent' : 'global'
	};
}

/** The Y.Text of level `i`'s name (0-based), or null while the document still stores a plain list. */
export function levelNameText(doc: Y.Doc, i: number): Y.Text | null {
	return levelNamesArray(doc)?.get(i) ?? null;
}

export function writeSettings(doc: Y.Doc, settings: Partial<DocSettings>) {
	tx(doc, () => {
		const s = settingsMap(doc);
		if (settings.levelNames) {
			const names = settings.levelNames
				.slice(0, MAX_DEPTH)
				.map((n) => n.trim())
				.filter(Boolean);
			let arr = levelNamesArray(doc);
			if (!arr || arr.length !== MAX_DEPTH) {
				arr = new Y.Array<Y.Text>();
				arr.push(Array.from({ length: MAX_DEPTH }, (_, i) => new Y.Text(names[i] ?? '')));
				s.set('levelNames', arr);
			} else for (let i = 0; i < MAX_DEPTH; i++) applyTextChange(arr.get(i), names[i] ?? '');
		}
		if (settings.numbering) s.set('numbering', settings.numbering);
	});
}

function children(doc: Y.Doc, parentId: string | null): { id: string; order: string }[] {
	const out: { id: string; order: string }[] = [];
	nodesMap(doc).forEach((n, id) => {
		if ((n.get('parentId') ?? null) === parentId) out.push({ id, order: String(n.get('order') ?? '') });
	});
	return out.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : a.id < b.id ? -1 : 1));
}

/** Order key for a new position under `parentId`, after `afterId` (null = first). */
function orderAfter(doc: Y.Doc, parentId: string | null, afterId: string | null | undefined): string {
	const sibs = children(doc, parentId);
	if (afterId === undefined) {
		const last = sibs.at(-1)?.order ?? null;
		return jitter(keyBetween(last, null));
	}
	const idx = afterId === null ? -1 : sibs.findIndex((s) => s.id === afterId);
	const prev = idx >= 0 ? sibs[idx].order : null;
	const next = sibs[idx + 1]?.order ?? null;
	return jitter(keyBetween(prev, next));
}

export function depthOf(doc: Y.Doc, id: string | null): number {
	let depth = 0;
	const seen = new Set<string>();
	let cur = id;
	while (cur) {
		if (seen.has(cur)) return Infinity;
		seen.add(cur);
		depth++;
		cur = (nodesMap(doc).get(cur)?.get('parentId') as string | null) ?? null;
	}
	return depth;
}

function subtreeHeight(doc: Y.Doc, id: string): number {
	const kids = children(doc, id);
	return 1 + (kids.length ? Math.max(...kids.map((k) => subtreeHeight(doc, k.id))) : 0);
}

export interface NewNode {
	parentId?: string | null;
	/** Insert after this sibling; null = first; undefined = last. */
	afterId?: string | null;
	id?: string;
	title?: string;
	body?: RichNode[];
	kind?: NodeKind;
	status?: NodeStatus;
	pilot?: string;
	resources?: string[];
	tools?: string[];
	links?: string[];
	targets?: Target[];
	order?: string;
}

/** Adds a node (refuses depth > 5) and returns its id. */
export function addNode(doc: Y.Doc, input: NewNode): string {
	const parentId = input.parentId ?? null;
	if (parentId && !nodesMap(doc).has(parentId)) throw new Error('parent not found');
	if (depthOf(doc, parentId) + 1 > MAX_DEPTH) throw new Error('max depth');
	const id = input.id ?? newId();
	tx(doc, () => {
		const n = new Y.Map<unknown>();
		n.set('parentId', parentId);
		n.set('order', input.order ?? orderAfter(doc, parentId, input.afterId));
		const title = new Y.Text();
		title.insert(0, input.title ?? '');
		n.set('title', title);
		n.set('body', new Y.XmlFragment());
		n.set('kind', input.kind ?? 'normal');
		n.set('status', input.status ?? 'a_lancer');
		n.set('pilot', new Y.Text(input.pilot ?? ''));
		n.set('resources', new Y.Text((input.resources ?? []).join(', ')));
		n.set('tools', new Y.Text((input.tools ?? []).join(', ')));
		n.set('links', Y.Array.from(input.links ?? []));
		const targets = new Y.Map<unknown>();
		for (const t of input.targets ?? []) targets.set(t.id, targetMap(t));
		n.set('targets', targets);
		nodesMap(doc).set(id, n);
		if (input.body?.length) setFragmentJson(n.get('body') as Y.XmlFragment, input.body);
	});
	return id;
}

export function getNode(doc: Y.Doc, id: string): Y.Map<unknown> | undefined {
	return nodesMap(doc).get(id);
}

export function titleText(doc: Y.Doc, id: string): Y.Text {
	return getNode(doc, id)!.get('title') as Y.Text;
}

export function bodyFragment(doc: Y.Doc, id: string): Y.XmlFragment {
	return getNode(doc, id)!.get('body') as Y.XmlFragment;
}

export function setTitle(doc: Y.Doc, id: string, title: string) {
	tx(doc, () => {
		const t = titleText(doc, id);
		t.delete(0, t.length);
		t.insert(0, title);
	});
}

export type NodePatch = Partial<Pick<PlainNode, 'kind' | 'status' | 'pilot' | 'resources' | 'tools' | 'links'>>;

/** Writes only the fields in `patch` (text fields as minimal edits, so concurrent typing elsewhere is kept). */
export function writeNodeFields(n: Y.Map<unknown>, patch: NodePatch) {
	for (const [k, v] of Object.entries(patch)) {
		if (v === undefined) continue;
		if (k === 'pilot') writeText(n, k, v as string);
		else if (k === 'resources' || k === 'tools') {
			if (JSON.stringify(readList(n.get(k))) !== JSON.stringify(v)) writeText(n, k, (v as string[]).join(', '));
		} else if (k === 'links') writeLinks(n, v as string[]);
		else n.set(k, v);
	}
}

function readLinks(v: unknown): string[] {
	const list = v instanceof Y.Array ? (v.toArray() as unknown[]) : Array.isArray(v) ? (v as unknown[]) : [];
	return [...new Set(list.map(String))];
}

/** Makes a node's links equal `wanted` by adding and removing single ids (a colleague's other links are kept). */
function writeLinks(n: Y.Map<unknown>, wanted: string[]) {
	const cur = n.get('links');
	if (!(cur instanceof Y.Array)) {
		n.set('links', Y.Array.from([...new Set(wanted)]));
		return;
	}
	const arr = cur as Y.Array<string>;
	const keep = new Set(wanted);
	for (let i = arr.length - 1; i >= 0; i--)
		if (!keep.has(arr.get(i)) || arr.toArray().indexOf(arr.get(i)) < i) arr.delete(i, 1);
	const have = new Set(arr.toArray());
	const missing = wanted.filter((id) => !have.has(id));
	if (missing.length) arr.push([...new Set(missing)]);
}

/** Links or unlinks one other element, leaving the node's other links as they are. */
export function setLink(doc: Y.Doc, id: string, otherId: string, on: boolean) {
	const n = getNode(doc, id);
	if (!n) return;
	const links = readLinks(n.get('links')).filter((l) => l !== otherId);
	tx(doc, () => writeLinks(n, on ? [...links, otherId] : links));
}

export function updateNode(doc: Y.Doc, id: string, patch: NodePatch) {
	const n = getNode(doc, id);
	if (!n) throw new Error('node not found');
	tx(doc, () => writeNodeFields(n, patch));
}

/** The short text fields of a node and of a target that people type into (each a Y.Text). */
export const NODE_TEXT_FIELDS = ['pilot', 'resources', 'tools'] as const;
export const TARGET_TEXT_FIELDS = ['label', 'indicatorCode', 'unit', 'scope'] as const;
export type NodeTextField = 'title' | (typeof NODE_TEXT_FIELDS)[number];
export type TargetTextField = (typeof TARGET_TEXT_FIELDS)[number];

/** The Y.Text of a node's short field, or null when absent or still stored the old way (see upgradeLegacyFields). */
export function nodeText(doc: Y.Doc, id: string, field: NodeTextField): Y.Text | null {
	const v = getNode(doc, id)?.get(field);
	return v instanceof Y.Text ? v : null;
}

function targetMap(t: Target): Y.Map<unknown> {
	const m = new Y.Map<unknown>();
	for (const [k, v] of Object.entries(t))
		m.set(k, (TARGET_TEXT_FIELDS as readonly string[]).includes(k) ? new Y.Text((v as string | null) ?? '') : v);
	return m;
}

/** A target as plain data, from its Y.Map or from the plain object older documents stored. */
export function readTarget(v: unknown): Target {
	if (!(v instanceof Y.Map)) return v as Target;
	const m = v as Y.Map<unknown>;
	const num = (k: string) => (typeof m.get(k) === 'number' ? (m.get(k) as number) : null);
	return {
		id: String(m.get('id') ?? ''),
		indicatorCode: readText(m.get('indicatorCode')) || null,
		label: readText(m.get('label')),
		unit: readText(m.get('unit')),
		value: num('value'),
		year: num('year'),
		milestones: Array.isArray(m.get('milestones')) ? (m.get('milestones') as Target['milestones']) : [],
		baselineYear: num('baselineYear'),
		relative: m.get('relative') === true,
		thresholdEurHt: num('thresholdEurHt'),
		scope: readText(m.get('scope'))
	};
}

function targetsOf(doc: Y.Doc, nodeId: string): Y.Map<unknown> {
	return getNode(doc, nodeId)!.get('targets') as Y.Map<unknown>;
}

/** Writes a target: only the fields that differ, text fields as minimal edits; a legacy target becomes a Y.Map. */
export function writeTarget(targets: Y.Map<unknown>, t: Target) {
	const cur = targets.get(t.id);
	if (!(cur instanceof Y.Map)) {
		targets.set(t.id, targetMap(t));
		return;
	}
	const m = cur as Y.Map<unknown>;
	for (const [k, v] of Object.entries(t)) {
		if ((TARGET_TEXT_FIELDS as readonly string[]).includes(k)) writeText(m, k, (v as string | null) ?? '');
		else if (JSON.stringify(m.get(k)) !== JSON.stringify(v)) m.set(k, v);
	}
}

export function setTarget(doc: Y.Doc, nodeId: string, target: Target) {
	tx(doc, () => writeTarget(targetsOf(doc, nodeId), target));
}

/** Sets some fields of a target (the others untouched, so a colleague's concurrent change to them is kept). */
export function patchTarget(doc: Y.Doc, nodeId: string, targetId: string, patch: Partial<Omit<Target, 'id'>>) {
	const cur = targetsOf(doc, nodeId).get(targetId);
	if (cur === undefined) return;
	setTarget(doc, nodeId, { ...readTarget(cur), ...patch, id: targetId });
}

/** The Y.Text of a target's short field, or null when absent or still stored the old way. */
export function targetText(doc: Y.Doc, nodeId: string, targetId: string, field: TargetTextField): Y.Text | null {
	const t = getNode(doc, nodeId)?.get('targets');
	const m = t instanceof Y.Map ? t.get(targetId) : undefined;
	const v = m instanceof Y.Map ? m.get(field) : undefined;
	return v instanceof Y.Text ? v : null;
}

export function removeTarget(doc: Y.Doc, nodeId: string, targetId: string) {
	tx(doc, () => targetsOf(doc, nodeId).delete(targetId));
}

/**
 * Converts what older documents stored as plain values (pilot string, resources/tools arrays, plain target
 * objects, levelNames array) into the shared types above, in one change; returns whether anything changed.
 * Run by a writer's editor once synced. Two writers opening the same old document at the same instant both
 * convert; Yjs keeps one conversion (same text), so nothing is lost unless someone types within the few
 * milliseconds before the other conversion arrives.
 */
export function upgradeLegacyFields(doc: Y.Doc): boolean {
	let changed = false;
	doc.transact(() => {
		const raw = settingsMap(doc).get('levelNames');
		if (!(raw instanceof Y.Array) || raw.length !== MAX_DEPTH) {
			writeSettings(doc, { levelNames: readSettings(doc).levelNames });
			changed = true;
		}
		nodesMap(doc).forEach((n) => {
			for (const f of NODE_TEXT_FIELDS) {
				if (n.get(f) instanceof Y.Text) continue;
				n.set(f, new Y.Text(f === 'pilot' ? readText(n.get(f)) : readList(n.get(f)).join(', ')));
				changed = true;
			}
			if (!(n.get('links') instanceof Y.Array)) {
				n.set('links', Y.Array.from(readLinks(n.get('links'))));
				changed = true;
			}
			const targets = n.get('targets');
			if (!(targets instanceof Y.Map)) return;
			(targets as Y.Map<unknown>).forEach((t, id) => {
				if (t instanceof Y.Map) return;
				targets.set(id, targetMap(t as Target));
				changed = true;
			});
		});
	}, 'upgrade');
	return changed;
}

/** Moves a node under `parentId` after `afterId`; refuses cycles and depth > 5. */
export function moveNode(doc: Y.Doc, id: string, parentId: string | null, afterId?: string | null) {
	const n = getNode(doc, id);
	if (!n) throw new Error('node not found');
	for (let cur: string | null = parentId; cur; cur = (getNode(doc, cur)?.get('parentId') as string | null) ?? null)
		if (cur === id) throw new Error('cycle');
	if (depthOf(doc, parentId) + subtreeHeight(doc, id) > MAX_DEPTH) throw new Error('max depth');
	tx(doc, () => {
		n.set('parentId', parentId);
		n.set('order', orderAfter(doc, parentId, afterId === id ? undefined : afterId));
	});
}

/** Who deleted an element: shown in the Corbeille. */
export interface DeletedBy {
	id: string;
	name: string;
}

/** Whether the node itself is in the Corbeille (its descendants are then hidden with it). */
export function isDeleted(n: Y.Map<unknown> | undefined): boolean {
	return typeof n?.get('deletedAt') === 'number';
}

/** Marks a node as deleted (soft delete): the node, its subtree, bodies and targets stay in the document. */
export function markDeleted(n: Y.Map<unknown>, by: DeletedBy | null, at = Date.now()) {
	n.set('deletedAt', at);
	n.set('deletedBy', by ? { id: by.id, name: by.name } : null);
}

/** Takes one node out of the Corbeille (its place is unchanged). */
export function clearDeleted(n: Y.Map<unknown>) {
	if (n.has('deletedAt')) n.delete('deletedAt');
	if (n.has('deletedBy')) n.delete('deletedBy');
}

/**
 * Puts a node and its whole subtree in the Corbeille (nothing is erased: restoreNode or undo brings it back at
 * its place, with its identity, texts, targets and the comments attached to it).
 */
export function removeNode(doc: Y.Doc, id: string, by: DeletedBy | null = null) {
	const n = getNode(doc, id);
	if (!n || isDeleted(n)) return;
	tx(doc, () => markDeleted(n, by));
}

/** The deleted ancestors of a node, nearest first. */
export function deletedAncestors(doc: Y.Doc, id: string): string[] {
	const out: string[] = [];
	const seen = new Set([id]);
	for (
		let cur = (getNode(doc, id)?.get('parentId') as string | null) ?? null;
		cur && !seen.has(cur);
		cur = (getNode(doc, cur)?.get('parentId') as string | null) ?? null
	) {
		seen.add(cur);
		if (isDeleted(getNode(doc, cur))) out.push(cur);
	}
	return out;
}

/**
 * Takes a node out of the Corbeille, at its place (same parent, same order key). With `withAncestors`, its
 * deleted ancestors come back too (otherwise a node whose parent is deleted stays hidden with it).
 */
export function restoreNode(doc: Y.Doc, id: string, opts: { withAncestors?: boolean } = {}) {
	const n = getNode(doc, id);
	if (!n) return;
	tx(doc, () => {
		clearDeleted(n);
		if (opts.withAncestors) for (const a of deletedAncestors(doc, id)) clearDeleted(getNode(doc, a)!);
	});
}

/** One entry of the Corbeille. */
export interface TrashEntry {
	id: string;
	title: string;
	deletedAt: number;
	deletedBy: DeletedBy | null;
	/** How many elements come back with it (its subtree, deleted with it). */
	descendants: number;
	/** The id of its nearest deleted ancestor: restoring it alone would leave it hidden. */
	deletedParentId: string | null;
}

/** Every deleted element, most recent first. */
export function listTrash(doc: Y.Doc): TrashEntry[] {
	const kids = new Map<string | null, string[]>();
	nodesMap(doc).forEach((n, id) => {
		const p = (n.get('parentId') as string | null) ?? null;
		if (!kids.has(p)) kids.set(p, []);
		kids.get(p)!.push(id);
	});
	const count = (id: string, seen: Set<string>): number => {
		let c = 0;
		for (const k of kids.get(id) ?? [])
			if (!seen.has(k)) {
				seen.add(k);
				c += 1 + count(k, seen);
			}
		return c;
	};
	const out: TrashEntry[] = [];
	nodesMap(doc).forEach((n, id) => {
		if (!isDeleted(n)) return;
		const by = n.get('deletedBy') as DeletedBy | null | undefined;
		out.push({
			id,
			title: readText(n.get('title')),
			deletedAt: n.get('deletedAt') as number,
			deletedBy: by && typeof by.id === 'string' ? { id: by.id, name: String(by.name ?? '') } : null,
			descendants: count(id, new Set([id])),
			deletedParentId: deletedAncestors(doc, id)[0] ?? null
		});
	});
	return out.sort((a, b) => b.deletedAt - a.deletedAt || a.id.localeCompare(b.id));
}

/** One node as plain data (whether or not it is in the Corbeille). */
export function readPlain(id: string, n: Y.Map<unknown>, withBody = true): PlainNode {
	const targets = n.get('targets');
	return {
		id,
		parentId: (n.get('parentId') as string | null) ?? null,
		order: String(n.get('order') ?? ''),
		title: readText(n.get('title')),
		body: withBody && n.get('body') instanceof Y.XmlFragment ? fragmentToJson(n.get('body') as Y.XmlFragment) : [],
		kind: (n.get('kind') as NodeKind) ?? 'normal',
		status: (n.get('status') as NodeStatus) ?? 'a_lancer',
		pilot: readText(n.get('pilot')),
		resources: readList(n.get('resources')),
		tools: readList(n.get('tools')),
		links: readLinks(n.get('links')),
		targets:
			targets instanceof Y.Map
				? [...(targets as Y.Map<unknown>).values()].map(readTarget).sort((a, b) => a.id.localeCompare(b.id))
				: []
	};
}

/**
 * The numbered outline in document order. Nodes whose parent is missing or that sit in a cycle are shown at
 * the root; nodes deeper than 5 levels are lifted to level 5 — so concurrent edits never hide content.
 */
export function readTree(doc: Y.Doc, opts: { withBody?: boolean } = {}): TreeNode[] {
	const settings = readSettings(doc);
	const all = new Map<string, PlainNode>();
	const deleted = new Set<string>();
	nodesMap(doc).forEach((n, id) => {
		if (isDeleted(n)) deleted.add(id);
		// the text is read only when asked for: the outline is re-read on every keystroke
		all.set(id, readPlain(id, n, !!opts.withBody));
	});
	// effective parent: missing parent or cycle → root
	const effParent = new Map<string, string | null>();
	for (const [id, n] of all) {
		let p = n.parentId && all.has(n.parentId) ? n.parentId : null;
		const seen = new Set([id]);
		for (
			let cur = p;
			cur;
			cur = all.get(cur)!.parentId && all.has(all.get(cur)!.parentId!) ? all.get(cur)!.parentId : null
		) {
			if (seen.has(cur)) {
				p = null;
				break;
			}
			seen.add(cur);
		}
		effParent.set(id, p);
	}
	const kids = new Map<string | null, PlainNode[]>();
	for (const [id, n] of all) {
		const p = effParent.get(id)!;
		if (!kids.has(p)) kids.set(p, []);
		kids.get(p)!.push(n);
	}
	// a deleted node (in the Corbeille) is hidden with its whole subtree, and so are links to what is hidden
	const visible = new Set<string>();
	const mark = (p: string | null) => {
		for (const n of kids.get(p) ?? [])
			if (!deleted.has(n.id) && !visible.has(n.id)) {
				visible.add(n.id);
				mark(n.id);
			}
	};
	mark(null);
	for (const [p, list] of kids)
		kids.set(
			p,
			list.filter((n) => visible.has(n.id))
		);
	for (const list of kids.values())
		list.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : a.id < b.id ? -1 : 1));
	const out: TreeNode[] = [];
	const globalCounters = new Array<number>(MAX_DEPTH).fill(0);
	const walk = (parentId: string | null, depth: number, prefix: string) => {
		let i = 0;
		for (const n of kids.get(parentId) ?? []) {
			i++;
			const d = Math.min(depth, MAX_DEPTH);
			globalCounters[d - 1]++;
			const number =
				settings.numbering === 'global' ? String(globalCounters[d - 1]) : prefix ? `${prefix}.${i}` : String(i);
			const levelName = settings.levelNames[d - 1] ?? settings.levelNames.at(-1) ?? 'Niveau';
			const node: TreeNode = {
				...n,
				// a link to an element in the Corbeille is hidden with it (links to resources are paths, not elements)
				links: n.links.filter((l) => visible.has(l) || !all.has(l)),
				parentId,
				depth: d,
				number,
				label: `${levelName} ${number}`,
				levelName,
				childIds: (kids.get(n.id) ?? []).map((c) => c.id)
			};
			out.push(node);
			walk(n.id, depth + 1, settings.numbering === 'global' ? number : number);
		}
	};
	walk(null, 1, '');
	return out;
}

/** Everything needed to rebuild the document elsewhere (JSON export, templates, import). */
export interface DocContent {
	settings: DocSettings;
	nodes: PlainNode[];
}

export function exportContent(doc: Y.Doc): DocContent {
	const tree = readTree(doc, { withBody: true });
	return {
		settings: readSettings(doc),
		nodes: tree.map(({ depth: _d, number: _n, label: _l, levelName: _ln, childIds: _c, ...plain }) => plain)
	};
}

/** Fills an empty doc from exported content (ids and order kept, so export → import is lossless). */
export function importContent(doc: Y.Doc, content: DocContent) {
	tx(doc, () => {
		writeSettings(doc, content.settings);
		const byParent = new Map<string | null, PlainNode[]>();
		for (const n of content.nodes) {
			const p = n.parentId ?? null;
			if (!byParent.has(p)) byParent.set(p, []);
			byParent.get(p)!.push(n);
		}
		const add = (parentId: string | null) => {
			for (const n of byParent.get(parentId) ?? []) {
				addNode(doc, { ...n, parentId, order: n.order });
				add(n.id);
			}
		};
		add(null);
	});
}
