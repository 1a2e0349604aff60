// Undo and redo per person, across the whole SPASER (structure, short fields, bodies, settings).
// One Y.UndoManager per page, scoped to the document's `nodes` and `settings` maps (everything under them), that
// tracks only this page's own origins: every LocalOrigin ($lib/spaser/ydoc: structural writes, and each short
// field's binding in $lib/spaser/ybinding) and the body editors' ySyncPluginKey (added by each rich-text editor,
// see trackOrigin). A colleague's change arrives with the provider as origin and is never undone; undoing one's
// own change leaves a colleague's later edits in place (Yjs undoes only the items one created or deleted).
import * as Y from 'yjs';
import { LocalOrigin, STRUCTURE, nodesMap, settingsMap } from './ydoc';

export interface UndoState {
	canUndo: boolean;
	canRedo: boolean;
}

export interface SpaserUndo {
	readonly manager: Y.UndoManager;
	undo(): boolean;
	redo(): boolean;
	/** Also tracks changes made with this origin (a body editor's ySyncPluginKey). */
	trackOrigin(origin: unknown): void;
	/** Ends the current undo step (the next change starts a new one). */
	stopCapturing(): void;
	/** Calls `f` whenever what can be undone/redone changes; returns the unsubscribe function. */
	subscribe(f: (s: UndoState) => void): () => void;
	/** Calls `f` after each undo/redo with the ids of the elements it changed (to show them); returns the unsubscribe. */
	onApplied(f: (nodeIds: string[], kind: 'undo' | 'redo') => void): () => void;
	destroy(): void;
}

/** Typing within this delay is one undo step (a word, not a letter). */
export const CAPTURE_MS = 500;

export function createUndo(doc: Y.Doc, opts: { captureTimeout?: number } = {}): SpaserUndo {
	const manager = new Y.UndoManager([nodesMap(doc), settingsMap(doc)], {
		trackedOrigins: new Set<unknown>([LocalOrigin]),
		captureTimeout: opts.captureTimeout ?? CAPTURE_MS,
		// the body editors mark some of their transactions as not for the history (y-tiptap's addToHistory)
		captureTransaction: (tr) => tr.meta.get('addToHistory') !== false
	});
	const nodes = nodesMap(doc);
	const applied = new Set<(ids: string[], kind: 'undo' | 'redo') => void>();
	manager.on('stack-item-popped', (e) => {
		const ids = new Set<string>();
		for (const type of e.changedParentTypes.keys()) {
			// walk up to the node map directly under `nodes`: its key is the element's id
			for (let item = type._item; item; item = (item.parent as { _item: Y.Item | null } | null)?._item ?? null)
				if ((item.parent as unknown) === nodes && item.parentSub) ids.add(item.parentSub);
		}
		for (const f of applied) f([...ids], e.type);
	});
	const listeners = new Set<(s: UndoState) => void>();
	const state = (): UndoState => ({ canUndo: manager.undoStack.length > 0, canRedo: manager.redoStack.length > 0 });
	const emit = () => {
		const s = state();
		for (const f of listeners) f(s);
	};
	for (const ev of ['stack-item-added', 'stack-item-popped', 'stack-cleared', 'stack-item-updated'] as const)
		manager.on(ev, emit);
	// a structural change (add, delete, move, restore) is always a step of its own, never merged with typing
	const beforeTransaction = (tr: Y.Transaction) => {
		if (tr.origin === STRUCTURE) manager.stopCapturing();
	};
	const afterTransaction = (tr: Y.Transaction) => {
		if (tr.origin === STRUCTURE) manager.stopCapturing();
	};
	doc.on('beforeTransaction', beforeTransaction);
	doc.on('afterTransaction', afterTransaction);
	return {
		manager,
		undo: () => manager.undo() !== null,
		redo: () => manager.redo() !== null,
		trackOrigin: (o) => manager.addTrackedOrigin(o),
		stopCapturing: () => manager.stopCapturing(),
		subscribe(f) {
			listeners.add(f);
			f(state());
			return () => void listeners.delete(f);
		},
		onApplied(f) {
			applied.add(f);
			return () => void applied.delete(f);
		},
		destroy() {
			applied.clear();
			doc.off('beforeTransaction', beforeTransaction);
			doc.off('afterTransaction', afterTransaction);
			listeners.clear();
			manager.destroy();
		}
	};
}

/** The undo/redo action of a key press (Ctrl/Cmd+Z, Ctrl/Cmd+Shift+Z, Ctrl/Cmd+Y), or null. */
export function undoKey(
	e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey'>
): 'undo' | 'redo' | null {
	if (!(e.ctrlKey || e.metaKey) || e.altKey) return null;
	const k = e.key.toLowerCase();
	if (k === 'z') return e.shiftKey ? 'redo' : 'undo';
	if (k === 'y' && !e.shiftKey) return 'redo';
	return null;
}
