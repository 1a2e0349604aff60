// The review of a detected structure before import: a flat list of nodes in document order, each with its
// depth (the parent of a node is the nearest previous node one level up). Every operation keeps all the text:
// titles merged away become paragraphs, split text becomes a new node, nothing is ever deleted.
// Shared by the browser (the review page) and the server (validation of what the browser sends back).
import { z } from 'zod';
import { docContentSchema, richNodeSchema, settingsSchema, targetSchema } from '../content-schema';
import { MAX_DEPTH, NODE_KINDS, type NodeKind, type PlainNode, type RichNode } from '../model';
import { keyBetween } from '../order';
import { richToText } from '../rich';
import type { DocContent } from '../ydoc';
import { UNPLACED_TITLE, type DetectedTarget, type ImportResult } from './detect';
import { UUID_RE } from '../../../params/uuid';

export interface ReviewNode {
	id: string;
	depth: number;
	/** Number as printed in the source, shown in the review only (the SPASER numbers itself). */
	number: string | null;
	title: string;
	body: RichNode[];
	kind: NodeKind;
	pilot: string;
	resources: string[];
	tools: string[];
	targets: DetectedTarget[];
	/** The node that gathers the text found outside the structure. */
	unplaced: boolean;
}

export interface ReviewState {
	version: 1;
	levelNames: string[];
	numbering: 'global' | 'per_parent';
	nodes: ReviewNode[];
}

export const detectedTargetSchema = targetSchema.and(z.object({ sourceText: z.string().max(2000) }));

export const reviewNodeSchema = z.object({
	id: z.string().regex(UUID_RE, { error: 'Identifiant d’élément invalide.' }),
	depth: z
		.number()
		.int()
		.min(1)
		.max(MAX_DEPTH, { error: `Un SPASER compte au plus ${MAX_DEPTH} niveaux.` }),
	number: z.string().max(40).nullable(),
	title: z.string().max(1000, { error: 'Un titre est limité à 1 000 caractères.' }),
	body: z.array(richNodeSchema).max(5000),
	kind: z.enum(Object.keys(NODE_KINDS) as [NodeKind], { error: "Type d'élément inconnu." }),
	pilot: z.string().max(300),
	resources: z.array(z.string().max(300)).max(50),
	tools: z.array(z.string().max(300)).max(100),
	targets: z.array(detectedTargetSchema).max(100),
	unplaced: z.boolean()
});

export const reviewStateSchema = z
	.object({
		version: z.literal(1),
		levelNames: settingsSchema.shape.levelNames,
		numbering: settingsSchema.shape.numbering,
		nodes: z.array(reviewNodeSchema).max(3000, { error: 'Un SPASER compte au plus 3 000 éléments.' })
	})
	.superRefine((s, ctx) => {
		s.nodes.forEach((n, i) => {
			const max = i === 0 ? 1 : s.nodes[i - 1].depth + 1;
			if (n.depth > max)
				ctx.addIssue({
					code: 'custom',
					path: ['nodes', i, 'depth'],
					message: `«\u00a0${n.title || 'Sans titre'}\u00a0» n’a pas de parent au niveau ${n.depth - 1}.`
				});
		});
		const ids = new Set<string>();
		s.nodes.forEach((n, i) => {
			if (ids.has(n.id))
				ctx.addIssue({ code: 'custom', path: ['nodes', i, 'id'], message: 'Identifiant d’élément en double.' });
			ids.add(n.id);
		});
	});

const newId = () => crypto.randomUUID();

/** The review state of a detection result: its nodes, then the unplaced text in one last node. */
export function reviewFromResult(result: ImportResult): ReviewState {
	const nodes: ReviewNode[] = result.nodes.map((n) => ({
		id: n.id,
		depth: n.depth,
		number: n.number,
		title: n.title,
		body: n.body,
		kind: n.kind,
		pilot: n.pilot ?? '',
		resources: n.resources ?? [],
		tools: n.tools ?? [],
		targets: n.targets,
		unplaced: false
	}));
	if (result.unplaced.length)
		nodes.push({
			id: newId(),
			depth: 1,
			number: null,
			title: UNPLACED_TITLE,
			body: result.unplaced.map((u) => ({ type: 'paragraph', content: [{ type: 'text', text: u.text }] })),
			kind: 'normal',
			pilot: '',
			resources: [],
			tools: [],
			targets: [],
			unplaced: true
		});
	return { version: 1, levelNames: result.settings.levelNames.slice(), numbering: result.settings.numbering, nodes };
}

/** Index just past the subtree of node i. */
export function subtreeEnd(nodes: readonly ReviewNode[], i: number): number {
	let j = i + 1;
	while (j < nodes.length && nodes[j].depth > nodes[i].depth) j++;
	return j;
}

/** Keeps every depth within one of its predecessor's (after a merge). */
function normalise(nodes: ReviewNode[]) {
	nodes.forEach((n, i) => {
		const max = i === 0 ? 1 : nodes[i - 1].depth + 1;
		if (n.depth > max) n.depth = max;
		if (n.depth < 1) n.depth = 1;
	});
}

export function canPromote(s: ReviewState, i: number): boolean {
	return s.nodes[i]?.depth > 1;
}

export function canDemote(s: ReviewState, i: number): boolean {
	if (i <= 0 || !s.nodes[i]) return false;
	const end = subtreeEnd(s.nodes, i);
	const deepest = Math.max(...s.nodes.slice(i, end).map((n) => n.depth));
	return s.nodes[i].depth <= s.nodes[i - 1].depth && deepest < MAX_DEPTH;
}

function clone(s: ReviewState): ReviewState {
	return structuredClone(s);
}

/** One level up, with its subtree. */
export function promote(s: ReviewState, i: number): ReviewState {
	if (!canPromote(s, i)) return s;
	const out = clone(s);
	const end = subtreeEnd(out.nodes, i);
	for (let k = i; k < end; k++) out.nodes[k].depth--;
	return out;
}

/** One level down (under the previous node), with its subtree. */
export function demote(s: ReviewState, i: number): ReviewState {
	if (!canDemote(s, i)) return s;
	const out = clone(s);
	const end = subtreeEnd(out.nodes, i);
	for (let k = i; k < end; k++) out.nodes[k].depth++;
	ensureLevels(out);
	return out;
}

function ensureLevels(s: ReviewState) {
	const deepest = Math.max(0, ...s.nodes.map((n) => n.depth));
	const defaults = ['Axe', 'Objectif', 'Action', 'Sous-action', 'Étape'];
	while (s.levelNames.length < deepest)
		s.levelNames.push(defaults[s.levelNames.length] ?? `Niveau ${s.levelNames.length + 1}`);
}

const paragraph = (text: string): RichNode => ({ type: 'paragraph', content: [{ type: 'text', text }] });

/** Node i becomes part of the previous node: its title a paragraph, then its text and targets. */
export function mergeWithPrevious(s: ReviewState, i: number): ReviewState {
	if (i <= 0 || !s.nodes[i]) return s;
	const out = clone(s);
	const [n] = out.nodes.splice(i, 1);
	const prev = out.nodes[i - 1];
	if (n.title.trim() && !n.unplaced) prev.body.push(paragraph(n.title.trim()));
	else if (n.title.trim() && n.unplaced) {
		/* the « Éléments non classés » title is ours, not the source's */
	}
	prev.body.push(...n.body);
	prev.targets.push(...n.targets);
	if (!prev.pilot) prev.pilot = n.pilot;
	prev.resources.push(...n.resources.filter((r) => !prev.resources.includes(r)));
	prev.tools.push(...n.tools.filter((t) => !prev.tools.includes(t)));
	normalise(out.nodes);
	return out;
}

/**
 * Splits node i before its body block `block` (or, in a list, before its item `item`): that paragraph's text becomes
 * the title of a new node at the same level, right after, which takes the following blocks (and the node's former
 * children).
 */
export function splitAt(s: ReviewState, i: number, block: number, item?: number): ReviewState {
	const n = s.nodes[i];
	if (!n || block < 0 || block >= n.body.length) return s;
	const out = clone(s);
	const src = out.nodes[i];
	const list = src.body[block];
	let rest: RichNode[];
	if (
		item !== undefined &&
		(list.type === 'bulletList' || list.type === 'orderedList') &&
		list.content &&
		item >= 0 &&
		item < list.content.length
	) {
		const before = list.content.slice(0, item);
		const at = list.content[item];
		const after = list.content.slice(item + 1);
		const tail = src.body.splice(block + 1);
		if (before.length) list.content = before;
		else src.body.splice(block, 1);
		rest = [
			...(at.content ?? []),
			...(after.length ? [{ type: list.type, ...(list.attrs ? { attrs: list.attrs } : {}), content: after }] : []),
			...tail
		];
	} else rest = src.body.splice(block);
	if (!rest.length) return s;
	const first = rest[0];
	const firstText = richToText([first]).replace(/\s+/g, ' ').trim();
	let title = 'Nouvel élément';
	let body = rest;
	if (first.type === 'paragraph' && firstText.length > 0 && firstText.length <= 300) {
		title = firstText;
		body = rest.slice(1);
	}
	const added: ReviewNode = {
		id: newId(),
		depth: src.depth,
		number: null,
		title,
		body,
		kind: /^action bonus\b/i.test(title) ? 'action_bonus' : 'normal',
		pilot: '',
		resources: [],
		tools: [],
		// targets whose source text now lives in the new node follow it
		targets: [],
		unplaced: false
	};
	const movedText = `${title}\n${richToText(body)}`.replace(/\s+/g, ' ');
	const keep: DetectedTarget[] = [];
	for (const t of src.targets)
		(movedText.includes(t.sourceText.replace(/\s+/g, ' ').slice(0, 60)) ? added.targets : keep).push(t);
	src.targets = keep;
	out.nodes.splice(i + 1, 0, added);
	return out;
}

export function setTitle(s: ReviewState, i: number, title: string): ReviewState {
	if (!s.nodes[i]) return s;
	const out = clone(s);
	out.nodes[i].title = title;
	return out;
}

export function setLevelName(s: ReviewState, level: number, name: string): ReviewState {
	const out = clone(s);
	ensureLevels(out);
	if (level >= 0 && level < MAX_DEPTH) out.levelNames[level] = name;
	return out;
}

export function removeTarget(s: ReviewState, i: number, targetId: string): ReviewState {
	if (!s.nodes[i]) return s;
	const out = clone(s);
	out.nodes[i].targets = out.nodes[i].targets.filter((t) => t.id !== targetId);
	return out;
}

/** Number of nodes per level name (the unplaced node aside). */
export function countsPerLevel(s: ReviewState): { level: string; count: number }[] {
	const counts: number[] = [];
	for (const n of s.nodes) if (!n.unplaced) counts[n.depth - 1] = (counts[n.depth - 1] ?? 0) + 1;
	return s.levelNames
		.map((level, k) => ({ level, count: counts[k] ?? 0 }))
		.filter((c, k) => c.count > 0 || k < s.levelNames.length);
}

/** The SPASER content of a reviewed state (parents from depths, ordering keys, targets without their source). */
export function reviewToContent(s: ReviewState): DocContent {
	const parents: string[] = [];
	const lastKey = new Map<string | null, string | null>();
	const nodes: PlainNode[] = s.nodes.map((n) => {
		parents[n.depth - 1] = n.id;
		parents.length = n.depth;
		const parentId = n.depth > 1 ? parents[n.depth - 2] : null;
		const order = keyBetween(lastKey.get(parentId) ?? null, null);
		lastKey.set(parentId, order);
		return {
			id: n.id,
			parentId,
			order,
			title: n.title.slice(0, 1000),
			body: n.body,
			kind: n.kind,
			status: 'a_lancer',
			pilot: n.pilot.slice(0, 300),
			resources: n.resources,
			tools: n.tools,
			links: [],
			targets: n.targets.map(({ sourceText: _s, ...t }) => t)
		};
	});
	const deepest = Math.max(1, ...s.nodes.map((n) => n.depth));
	const levelNames = s.levelNames.slice(0, Math.max(deepest, 1)).map((l) => l.trim() || 'Niveau');
	return { settings: { levelNames, numbering: s.numbering }, nodes };
}

export type ReviewIssue = { where: string; message: string };

/** Validates a review state sent by a browser and its content; issues in French. */
export function parseReviewState(
	input: unknown
): { ok: true; state: ReviewState; content: DocContent } | { ok: false; issues: ReviewIssue[] } {
	let raw = input;
	if (typeof raw === 'string') {
		try {
			raw = JSON.parse(raw);
		} catch {
			return { ok: false, issues: [{ where: '', message: 'La relecture envoyée est illisible. Rechargez la page.' }] };
		}
	}
	const parsed = reviewStateSchema.safeParse(raw);
	if (!parsed.success)
		return {
			ok: false,
			issues: parsed.error.issues.slice(0, 20).map((i) => ({ where: i.path.join('.'), message: i.message }))
		};
	const state = parsed.data as ReviewState;
	const content = reviewToContent(state);
	const checked = docContentSchema.safeParse(content);
	if (!checked.success)
		return {
			ok: false,
			issues: checked.error.issues.slice(0, 20).map((i) => ({ where: i.path.join('.'), message: i.message }))
		};
	return { ok: true, state, content };
}

/** The labels the SPASER will show (« Chantier 3 », « Action 1.2 »), per node, numbered as the editor numbers them. */
export function reviewLabels(s: ReviewState): string[] {
	const globalCounters: number[] = [];
	const siblingIndex: number[] = []; // per depth, index among the current parent's children
	const prefixes: string[] = [];
	return s.nodes.map((n) => {
		const d = n.depth - 1;
		siblingIndex.length = d + 1;
		siblingIndex[d] = (siblingIndex[d] ?? 0) + 1;
		globalCounters[d] = (globalCounters[d] ?? 0) + 1;
		const number =
			s.numbering === 'global'
				? String(globalCounters[d])
				: d > 0
					? `${prefixes[d - 1]}.${siblingIndex[d]}`
					: String(siblingIndex[d]);
		prefixes[d] = number;
		const name = s.levelNames[d] || s.levelNames.at(-1) || 'Niveau';
		return `${name} ${number}`;
	});
}
