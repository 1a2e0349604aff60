// Comparison of two SPASER contents (versions): nodes added, removed, changed (with word-level text
// differences) and moved. The word diff is Myers' O(ND) algorithm on word/space tokens.
import type { PlainNode } from './model';
import { richToText } from './rich';
import type { DocContent } from './ydoc';
import { outlineContent } from './content-schema';

export type DiffOp = { op: 'equal' | 'insert' | 'delete'; text: string };

/** Words, runs of spaces and single punctuation marks, so that joining the tokens gives the text back. */
export function tokenize(text: string): string[] {
	return text.match(/\s+|[\p{L}\p{N}_'’-]+|[^\s\p{L}\p{N}_'’-]/gu) ?? [];
}

/** Shortest edit script between two token lists (Myers), as runs of equal / deleted / inserted tokens. */
export function diffTokens(a: readonly string[], b: readonly string[]): DiffOp[] {
	// strip the common prefix and suffix first: most edits are local
	let start = 0;
	while (start < a.length && start < b.length && a[start] === b[start]) start++;
	let endA = a.length;
	let endB = b.length;
	while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
		endA--;
		endB--;
	}
	const A = a.slice(start, endA);
	const B = b.slice(start, endB);
	const n = A.length;
	const m = B.length;
	const ops: { op: DiffOp['op']; token: string }[] = [];
	if (n === 0) for (const t of B) ops.push({ op: 'insert', token: t });
	else if (m === 0) for (const t of A) ops.push({ op: 'delete', token: t });
	else {
		const max = n + m;
		const offset = max;
		const v = new Int32Array(2 * max + 2);
		const trace: Int32Array[] = [];
		let found = false;
		for (let d = 0; d <= max && !found; d++) {
			trace.push(v.slice());
			for (let k = -d; k <= d; k += 2) {
				let x =
					k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
				let y = x - k;
				while (x < n && y < m && A[x] === B[y]) {
					x++;
					y++;
				}
				v[offset + k] = x;
				if (x >= n && y >= m) {
					found = true;
					break;
				}
			}
		}
		// backtrack through the saved frontiers
		let x = n;
		let y = m;
		const rev: { op: DiffOp['op']; token: string }[] = [];
		for (let d = trace.length - 1; d >= 0; d--) {
			const vd = trace[d];
			const k = x - y;
			const prevK = k === -d || (k !== d && vd[offset + k - 1] < vd[offset + k + 1]) ? k + 1 : k - 1;
			const prevX = d === 0 ? 0 : vd[offset + prevK];
			const prevY = prevX - prevK;
			while (x > prevX && y > prevY) {
				rev.push({ op: 'equal', token: A[x - 1] });
				x--;
				y--;
			}
			if (d > 0) {
				if (x === prevX) rev.push({ op: 'insert', token: B[prevY] });
				else rev.push({ op: 'delete', token: A[prevX] });
			}
			x = prevX;
			y = prevY;
		}
		ops.push(...rev.reverse());
	}
	const all = [
		...a.slice(0, start).map((token) => ({ op: 'equal' as const, token })),
		...ops,
		...a.slice(endA).map((token) => ({ op: 'equal' as const, token }))
	];
	// merge runs of the same kind
	const out: DiffOp[] = [];
	for (const { op, token } of all) {
		const last = out.at(-1);
		if (last && last.op === op) last.text += token;
		else out.push({ op, text: token });
	}
	return out;
}

/**
 * Makes a diff readable: a lone space between two changes becomes part of them, and each run of changes is
 * shown as one deletion followed by one insertion (« une considération » → « deux considérations »).
 */
export function cleanupDiff(ops: DiffOp[]): DiffOp[] {
	const out: DiffOp[] = [];
	let del = '';
	let ins = '';
	const flush = () => {
		if (del) out.push({ op: 'delete', text: del });
		if (ins) out.push({ op: 'insert', text: ins });
		del = ins = '';
	};
	ops.forEach((o, i) => {
		const between = i > 0 && i < ops.length - 1 && ops[i - 1].op !== 'equal' && ops[i + 1].op !== 'equal';
		if (o.op === 'equal' && !(between && /^\s+$/.test(o.text))) {
			flush();
			out.push({ ...o });
		} else if (o.op === 'equal') {
			del += o.text;
			ins += o.text;
		} else if (o.op === 'delete') del += o.text;
		else ins += o.text;
	});
	flush();
	return out;
}

/** Word-level differences between two texts. */
export function diffWords(before: string, after: string): DiffOp[] {
	return cleanupDiff(diffTokens(tokenize(before), tokenize(after)));
}

/** The text of one side of a diff ('before' drops insertions, 'after' drops deletions). */
export function sideOf(ops: DiffOp[], side: 'before' | 'after'): string {
	return ops
		.filter((o) => o.op === 'equal' || o.op === (side === 'before' ? 'delete' : 'insert'))
		.map((o) => o.text)
		.join('');
}

export interface DiffNode extends PlainNode {
	/** « Chantier 3 » on the side where the node exists. */
	label: string;
}

export type ChangedField = 'title' | 'body' | 'kind' | 'status' | 'pilot' | 'resources' | 'tools' | 'links' | 'targets';

export interface NodeChange {
	id: string;
	before: DiffNode;
	after: DiffNode;
	fields: ChangedField[];
	titleDiff: DiffOp[] | null;
	bodyDiff: DiffOp[] | null;
}

export interface NodeMove {
	id: string;
	title: string;
	fromParentId: string | null;
	toParentId: string | null;
	fromLabel: string;
	toLabel: string;
}

export interface ContentComparison {
	added: DiffNode[];
	removed: DiffNode[];
	changed: NodeChange[];
	moved: NodeMove[];
	/** Level names or numbering changed. */
	settingsChanged: boolean;
	/** Nothing differs. */
	identical: boolean;
}

/** JSON with sorted keys, so that key order never counts as a change. */
function stable(v: unknown): string {
	if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
	if (v && typeof v === 'object')
		return `{${Object.keys(v as object)
			.filter((k) => (v as Record<string, unknown>)[k] !== undefined)
			.sort()
			.map((k) => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`)
			.join(',')}}`;
	return JSON.stringify(v);
}

const FIELDS: ChangedField[] = ['title', 'body', 'kind', 'status', 'pilot', 'resources', 'tools', 'links', 'targets'];

/**
 * Heaviest common subsequence of two sibling id lists: nodes whose order key did not change weigh more, so that
 * when two siblings swap, the one that was actually moved (new order key) is the one reported.
 */
function keptInPlace(a: string[], b: string[], weight: (id: string) => number): Set<string> {
	const dp: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
	for (let i = a.length - 1; i >= 0; i--)
		for (let j = b.length - 1; j >= 0; j--)
			dp[i][j] = Math.max(dp[i + 1][j], dp[i][j + 1], a[i] === b[j] ? dp[i + 1][j + 1] + weight(a[i]) : 0);
	const keep = new Set<string>();
	let i = 0;
	let j = 0;
	while (i < a.length && j < b.length) {
		if (a[i] === b[j] && dp[i][j] === dp[i + 1][j + 1] + weight(a[i])) {
			keep.add(a[i]);
			i++;
			j++;
		} else if (dp[i + 1][j] >= dp[i][j + 1]) i++;
		else j++;
	}
	return keep;
}

/** Compares content `a` (before) with `b` (after). Lists follow the document order of the side they come from. */
export function compareContents(a: DocContent, b: DocContent): ContentComparison {
	const A = outlineContent(a);
	const B = outlineContent(b);
	const aById = new Map(A.order.map((n) => [n.id, n]));
	const bById = new Map(B.order.map((n) => [n.id, n]));
	const withLabel = (n: PlainNode, side: typeof A): DiffNode => ({ ...n, label: side.outline.get(n.id)?.label ?? '' });

	const added = B.order.filter((n) => !aById.has(n.id)).map((n) => withLabel(n, B));
	const removed = A.order.filter((n) => !bById.has(n.id)).map((n) => withLabel(n, A));

	const changed: NodeChange[] = [];
	for (const after of B.order) {
		const before = aById.get(after.id);
		if (!before) continue;
		const fields = FIELDS.filter((f) => stable(before[f]) !== stable(after[f]));
		if (!fields.length) continue;
		changed.push({
			id: after.id,
			before: withLabel(before, A),
			after: withLabel(after, B),
			fields,
			titleDiff: fields.includes('title') ? diffWords(before.title, after.title) : null,
			bodyDiff: fields.includes('body') ? diffWords(richToText(before.body), richToText(after.body)) : null
		});
	}

	// moved: a new parent, or a different order among the siblings that stayed together
	const movedIds = new Set<string>();
	for (const n of B.order) {
		const before = aById.get(n.id);
		if (before && (before.parentId ?? null) !== (n.parentId ?? null)) movedIds.add(n.id);
	}
	const siblings = (side: typeof A, parentId: string | null, other: Map<string, PlainNode>) =>
		side.order
			.filter(
				(n) => (n.parentId ?? null) === parentId && other.has(n.id) && (other.get(n.id)!.parentId ?? null) === parentId
			)
			.map((n) => n.id);
	const parents = new Set<string | null>(B.order.map((n) => n.parentId ?? null));
	for (const p of parents) {
		const sa = siblings(A, p, bById);
		const sb = siblings(B, p, aById);
		const keep = keptInPlace(sa, sb, (id) => (aById.get(id)!.order === bById.get(id)!.order ? 2 : 1));
		for (const id of sb) if (!keep.has(id)) movedIds.add(id);
	}
	const moved: NodeMove[] = B.order
		.filter((n) => movedIds.has(n.id))
		.map((n) => {
			const before = aById.get(n.id)!;
			return {
				id: n.id,
				title: n.title,
				fromParentId: before.parentId ?? null,
				toParentId: n.parentId ?? null,
				fromLabel: A.outline.get(n.id)?.label ?? '',
				toLabel: B.outline.get(n.id)?.label ?? ''
			};
		});

	const settingsChanged = stable(a.settings) !== stable(b.settings);
	return {
		added,
		removed,
		changed,
		moved,
		settingsChanged,
		identical: !added.length && !removed.length && !changed.length && !moved.length && !settingsChanged
	};
}
