// Moving and adding elements of the SPASER tree, shared by the form view (SpaserEditor) and the document view
// (components/spaser/document): each returns a French sentence for the live region, or null when nothing moved.
import type * as Y from 'yjs';
import { MAX_DEPTH, type TreeNode } from './model';
import { addNode, moveNode, setTarget } from './ydoc';

function siblings(tree: TreeNode[], n: TreeNode) {
	return tree.filter((x) => x.parentId === n.parentId);
}

/** A move refused by the model (cycle, more than MAX_DEPTH levels) becomes a message, never an exception. */
function tryMove(doc: Y.Doc, id: string, parentId: string | null, afterId?: string | null): boolean {
	try {
		moveNode(doc, id, parentId, afterId);
		return true;
	} catch {
		return false;
	}
}

const TOO_DEEP = `Impossible\u00a0: un SPASER compte au plus ${MAX_DEPTH} niveaux.`;

export function moveUp(doc: Y.Doc, tree: TreeNode[], n: TreeNode): boolean {
	const s = siblings(tree, n);
	const i = s.findIndex((x) => x.id === n.id);
	if (i <= 0) return false;
	return tryMove(doc, n.id, n.parentId, i >= 2 ? s[i - 2].id : null);
}

export function moveDown(doc: Y.Doc, tree: TreeNode[], n: TreeNode): boolean {
	const s = siblings(tree, n);
	const i = s.findIndex((x) => x.id === n.id);
	if (i < 0 || i >= s.length - 1) return false;
	return tryMove(doc, n.id, n.parentId, s[i + 1].id);
}

/** Makes `n` the last child of its previous sibling; a message when the depth limit refuses it. */
export function indent(doc: Y.Doc, tree: TreeNode[], n: TreeNode): boolean | string {
	const s = siblings(tree, n);
	const i = s.findIndex((x) => x.id === n.id);
	if (i <= 0) return false;
	return tryMove(doc, n.id, s[i - 1].id) || TOO_DEEP;
}

/** Makes `n` the next sibling of its parent. */
export function outdent(doc: Y.Doc, tree: TreeNode[], n: TreeNode): boolean {
	if (!n.parentId) return false;
	const parent = tree.find((x) => x.id === n.parentId);
	if (!parent) return false;
	return tryMove(doc, n.id, parent.parentId, parent.id);
}

/**
 * Drops `id` next to `target`: before it, after it, or as its last child. Refuses a drop into its own subtree
 * or beyond MAX_DEPTH (returns a message).
 */
export function dropOn(
	doc: Y.Doc,
	tree: TreeNode[],
	id: string,
	target: TreeNode,
	where: 'before' | 'after' | 'inside'
): boolean | string {
	if (id === target.id) return false;
	for (let cur: string | null = target.id; cur; cur = tree.find((x) => x.id === cur)?.parentId ?? null)
		if (cur === id) return 'Impossible\u00a0: un élément ne peut pas être déplacé dans ses propres sous-éléments.';
	if (where === 'inside') return tryMove(doc, id, target.id) || TOO_DEEP;
	if (where === 'after') return tryMove(doc, id, target.parentId, target.id) || TOO_DEEP;
	const s = siblings(tree, target).filter((x) => x.id !== id);
	const i = s.findIndex((x) => x.id === target.id);
	return tryMove(doc, id, target.parentId, i > 0 ? s[i - 1].id : null) || TOO_DEEP;
}

/** The name of the level below `n` (« Chantier » under an « Axe »). */
export function childLevelName(levelNames: string[], n: TreeNode): string {
	return levelNames[n.depth] ?? levelNames.at(-1) ?? 'élément';
}

export function addChild(doc: Y.Doc, levelNames: string[], n: TreeNode): string | null {
	if (n.depth >= MAX_DEPTH) return null;
	return addNode(doc, { parentId: n.id, title: `Nouvelle ${childLevelName(levelNames, n).toLowerCase()}` });
}

export function addSibling(doc: Y.Doc, n: TreeNode): string {
	return addNode(doc, { parentId: n.parentId, afterId: n.id, title: `Nouveau ${n.levelName.toLowerCase()}` });
}

export function addRoot(doc: Y.Doc, levelNames: string[]): string {
	return addNode(doc, { title: `Nouveau ${levelNames[0]?.toLowerCase() ?? 'élément'}` });
}

/** Adds an empty target to an element; returns its id. */
export function addEmptyTarget(doc: Y.Doc, nodeId: string): string {
	const id = crypto.randomUUID();
	setTarget(doc, nodeId, {
		id,
		indicatorCode: null,
		label: '',
		unit: '%',
		value: null,
		year: null,
		milestones: [],
		baselineYear: null,
		relative: false,
		thresholdEurHt: null,
		scope: ''
	});
	return id;
}

/** The truthful delete prompt of an element with `below` descendants (both views say the same). */
export function deletePrompt(label: string, below: number): string {
	return below
		? `Supprimer ${label} et ses ${below} sous-éléments\u00a0? L’élément et ses sous-éléments vont dans la corbeille, avec leurs textes, cibles et commentaires\u00a0: vous pourrez les restaurer à leur place (ou Ctrl+Z).`
		: `Supprimer ${label}\u00a0? L’élément va dans la corbeille, avec son texte, ses cibles et ses commentaires\u00a0: vous pourrez le restaurer à sa place (ou Ctrl+Z).`;
}
