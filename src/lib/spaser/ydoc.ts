// A SPASER is one Y.Doc:
//   settings: Y.Map  { levelNames: string[], numbering: 'global' | 'per_parent' }
//   nodes:    Y.Map<Y.Map> keyed by node id; each node map holds
//     parentId (string|null), order (fractional key), title (Y.Text), body (Y.XmlFragment, edited by Tiptap),
//     kind, status, pilot (string), resources/tools/links (string[]), targets (Y.Map<targetId, Target>)
// The tree is flat (parent pointer + order key) so that concurrent inserts and moves merge; readTree() turns
// it into the numbered outline and repairs what concurrency can produce (cycles, orphans, too deep).
import * as Y from 'yjs';
import { jitter, keyBetween } from './order';
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

export function readSettings(doc: Y.Doc): DocSettings {
	const s = settingsMap(doc);
	const levelNames = s.get('levelNames');
	const numbering = s.get('numbering');
	return {
		levelNames: Array.isArray(levelNames) && levelNames.length ? (levelNames as string[]) : DEFAULT_SETTINGS.levelNames,
		numbering: numbering === 'per_parent' ? 'per_parent' : 'global'
	};
}

export function writeSettings(doc: Y.Doc, settings: Partial<DocSettings>) {
	doc.transact(() => {
		const s = settingsMap(doc);
		if (settings.levelNames) s.set('levelNames', settings.levelNames.slice(0, MAX_DEPTH).map((n) => n.trim()).filter(Boolean));
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
	doc.transact(() => {
		const n = new Y.Map<unknown>();
		n.set('parentId', parentId);
		n.set('order', input.order ?? orderAfter(doc, parentId, input.afterId));
		const title = new Y.Text();
		title.insert(0, input.title ?? '');
		n.set('title', title);
		n.set('body', new Y.XmlFragment());
		n.set('kind', input.kind ?? 'normal');
		n.set('status', input.status ?? 'a_lancer');
		n.set('pilot', input.pilot ?? '');
		n.set('resources', input.resources ?? []);
		n.set('tools', input.tools ?? []);
		n.set('links', input.links ?? []);
		const targets = new Y.Map<Target>();
		for (const t of input.targets ?? []) targets.set(t.id, t);
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
	doc.transact(() => {
		const t = titleText(doc, id);
		t.delete(0, t.length);
		t.insert(0, title);
	});
}

export type NodePatch = Partial<Pick<PlainNode, 'kind' | 'status' | 'pilot' | 'resources' | 'tools' | 'links'>>;

export function updateNode(doc: Y.Doc, id: string, patch: NodePatch) {
	const n = getNode(doc, id);
	if (!n) throw new Error('node not found');
	doc.transact(() => {
		for (const [k, v] of Object.entries(patch)) if (v !== undefined) n.set(k, v);
	});
}

export function setTarget(doc: Y.Doc, nodeId: string, target: Target) {
	(getNode(doc, nodeId)!.get('targets') as Y.Map<Target>).set(target.id, target);
}

export function removeTarget(doc: Y.Doc, nodeId: string, targetId: string) {
	(getNode(doc, nodeId)!.get('targets') as Y.Map<Target>).delete(targetId);
}

/** Moves a node under `parentId` after `afterId`; refuses cycles and depth > 5. */
export function moveNode(doc: Y.Doc, id: string, parentId: string | null, afterId?: string | null) {
	const n = getNode(doc, id);
	if (!n) throw new Error('node not found');
	for (let cur: string | null = parentId; cur; cur = (getNode(doc, cur)?.get('parentId') as string | null) ?? null)
		if (cur === id) throw new Error('cycle');
	if (depthOf(doc, parentId) + subtreeHeight(doc, id) > MAX_DEPTH) throw new Error('max depth');
	doc.transact(() => {
		n.set('parentId', parentId);
		n.set('order', orderAfter(doc, parentId, afterId === id ? undefined : afterId));
	});
}

/** Removes a node and its whole subtree. */
export function removeNode(doc: Y.Doc, id: string) {
	doc.transact(() => {
		const stack = [id];
		while (stack.length) {
			const cur = stack.pop()!;
			for (const c of children(doc, cur)) stack.push(c.id);
			nodesMap(doc).delete(cur);
		}
	});
}

function readPlain(id: string, n: Y.Map<unknown>): PlainNode {
	const arr = (v: unknown) => (Array.isArray(v) ? (v as string[]) : []);
	const targets = n.get('targets');
	return {
		id,
		parentId: (n.get('parentId') as string | null) ?? null,
		order: String(n.get('order') ?? ''),
		title: n.get('title') instanceof Y.Text ? (n.get('title') as Y.Text).toString() : String(n.get('title') ?? ''),
		body: n.get('body') instanceof Y.XmlFragment ? fragmentToJson(n.get('body') as Y.XmlFragment) : [],
		kind: (n.get('kind') as NodeKind) ?? 'normal',
		status: (n.get('status') as NodeStatus) ?? 'a_lancer',
		pilot: String(n.get('pilot') ?? ''),
		resources: arr(n.get('resources')),
		tools: arr(n.get('tools')),
		links: arr(n.get('links')),
		targets: targets instanceof Y.Map ? [...(targets as Y.Map<Target>).values()].sort((a, b) => a.id.localeCompare(b.id)) : []
	};
}

/**
 * The numbered outline in document order. Nodes whose parent is missing or that sit in a cycle are shown at
 * the root; nodes deeper than 5 levels are lifted to level 5 — so concurrent edits never hide content.
 */
export function readTree(doc: Y.Doc, opts: { withBody?: boolean } = {}): TreeNode[] {
	const settings = readSettings(doc);
	const all = new Map<string, PlainNode>();
	nodesMap(doc).forEach((n, id) => {
		const p = readPlain(id, n);
		if (!opts.withBody) p.body = [];
		all.set(id, p);
	});
	// effective parent: missing parent or cycle → root
	const effParent = new Map<string, string | null>();
	for (const [id, n] of all) {
		let p = n.parentId && all.has(n.parentId) ? n.parentId : null;
		const seen = new Set([id]);
		for (let cur = p; cur; cur = all.get(cur)!.parentId && all.has(all.get(cur)!.parentId!) ? all.get(cur)!.parentId : null) {
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
	for (const list of kids.values()) list.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : a.id < b.id ? -1 : 1));
	const out: TreeNode[] = [];
	const globalCounters = new Array<number>(MAX_DEPTH).fill(0);
	const walk = (parentId: string | null, depth: number, prefix: string) => {
		let i = 0;
		for (const n of kids.get(parentId) ?? []) {
			i++;
			const d = Math.min(depth, MAX_DEPTH);
			globalCounters[d - 1]++;
			const number = settings.numbering === 'global' ? String(globalCounters[d - 1]) : prefix ? `${prefix}.${i}` : String(i);
			const levelName = settings.levelNames[d - 1] ?? settings.levelNames.at(-1) ?? 'Niveau';
			const node: TreeNode = {
				...n,
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
	doc.transact(() => {
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
