// Comments anchored in the text (issue 15), for any Tiptap editor bound to an element's body with
// @tiptap/extension-collaboration:
//   - the passages of the element's open threads are highlighted by ProseMirror DECORATIONS computed from the
//     threads' Yjs relative positions ($lib/spaser/anchors): nothing is written into the shared document, so a
//     reader's comment changes nobody's text, and the highlight follows every edit, local or remote;
//   - selecting text shows a « Commenter » bubble; Ctrl+Alt+M (⌘+Alt+M) does the same from the keyboard; both
//     hand the new anchor to the page (`CommentAnchorSource.onComment`), which opens the comment form;
//   - the state of each thread's passage (`anchored`, `deleted` → « passage supprimé », `lost`) is reported back.
//
// Wiring: one `CommentAnchorSource` per page (it holds every thread's anchor and the callbacks), and per editor
// `CommentHighlight.configure({ source, nodeId })` in the editor's extensions. `source.set(threads)` refreshes
// every editor that uses it.
import { Extension } from '@tiptap/core';
import { Plugin, PluginKey, type EditorState } from '@tiptap/pm/state';
import { Decoration, DecorationSet, type EditorView } from '@tiptap/pm/view';
import type { Node as PMNode } from '@tiptap/pm/model';
import {
	absolutePositionToRelativePosition,
	relativePositionToAbsolutePosition,
	ySyncPluginKey
} from '@tiptap/y-tiptap';
import type * as Y from 'yjs';
import {
	decodeAnchorPosition,
	encodeAnchorPosition,
	quoteOf,
	reassociate,
	resolveAnchors,
	type AnchorState,
	type CommentAnchor
} from '$lib/spaser/anchors';

export interface AnchoredThread {
	id: string;
	nodeId: string;
	start: string;
	end: string;
	/** Resolved threads keep their anchor but are not highlighted. */
	resolved: boolean;
}

export interface CommentAnchorCallbacks {
	/** The person asked to comment on the selected passage of this element. */
	onComment: (nodeId: string, anchor: CommentAnchor) => void;
	/** Where each thread of this element stands (after each change of the text or of the threads). */
	onStates?: (nodeId: string, states: Record<string, AnchorState>) => void;
	/** A highlighted passage was clicked. */
	onOpen?: (threadId: string) => void;
}

/** The threads' anchors shared by every editor of a page, and what to do when someone comments. */
export class CommentAnchorSource {
	threads: readonly AnchoredThread[] = [];
	private listeners = new Set<() => void>();
	constructor(readonly callbacks: CommentAnchorCallbacks) {}

	set(threads: readonly AnchoredThread[]) {
		this.threads = threads;
		for (const fn of this.listeners) fn();
	}

	subscribe(fn: () => void): () => void {
		this.listeners.add(fn);
		return () => this.listeners.delete(fn);
	}
}

interface Options {
	source: CommentAnchorSource | null;
	nodeId: string;
}

/** What y-prosemirror's binding knows: the element's body, its Y.Doc, and Y types → ProseMirror nodes. */
export interface Binding {
	type: Y.XmlFragment;
	doc: Y.Doc;
	mapping: Map<unknown, unknown>;
}

const key = new PluginKey<DecorationSet>('commentHighlight');
const HIGHLIGHT_STYLE = 'background: #fff1a8; border-bottom: 2px solid #b58900; border-radius: 2px;';

function bindingOf(state: EditorState): Binding | null {
	const b = ySyncPluginKey.getState(state)?.binding as Binding | undefined;
	return b && b.mapping && b.type && b.doc ? b : null;
}

function threadsOf(opts: Options) {
	return (opts.source?.threads ?? []).filter((t) => t.nodeId === opts.nodeId);
}

function decorate(state: EditorState, opts: Options): DecorationSet {
	const b = bindingOf(state);
	const threads = threadsOf(opts).filter((t) => !t.resolved);
	if (!b || !threads.length) return DecorationSet.empty;
	const decorations: Decoration[] = [];
	for (const t of threads) {
		const range = rangeOfAnchor(b, t, state.doc);
		if (range)
			decorations.push(
				Decoration.inline(
					range.from,
					range.to,
					{ class: 'comment-highlight', 'data-comment-id': t.id, style: HIGHLIGHT_STYLE },
					{ threadId: t.id }
				)
			);
	}
	return DecorationSet.create(state.doc, decorations);
}

/** Where an anchored passage is in the ProseMirror document, or null (deleted, forged, of another element). */
export function rangeOfAnchor(
	b: Binding,
	anchor: Pick<CommentAnchor, 'start' | 'end'>,
	doc: PMNode
): { from: number; to: number } | null {
	if (resolveAnchors(b.type, [anchor])[0].state !== 'anchored') return null;
	const rs = decodeAnchorPosition(anchor.start);
	const re = decodeAnchorPosition(anchor.end);
	if (!rs || !re) return null;
	try {
		const from = relativePositionToAbsolutePosition(b.doc, b.type, rs, b.mapping as never);
		const to = relativePositionToAbsolutePosition(b.doc, b.type, re, b.mapping as never);
		if (from === null || to === null || from < 0 || to > doc.content.size || to <= from) return null;
		return { from, to };
	} catch {
		return null;
	}
}

/** The passage from..to of the ProseMirror document as an anchor, or null when it holds no text. */
export function anchorOfRange(b: Binding, doc: PMNode, from: number, to: number): CommentAnchor | null {
	if (to <= from) return null;
	const quote = quoteOf(doc.textBetween(from, to, '\n', ' '));
	if (!quote) return null;
	const s = reassociate(absolutePositionToRelativePosition(from, b.type, b.mapping as never), b.doc, 0);
	const e = reassociate(absolutePositionToRelativePosition(to, b.type, b.mapping as never), b.doc, -1);
	if (!s || !e) return null;
	return { start: encodeAnchorPosition(s), end: encodeAnchorPosition(e), quote };
}

/** The selected passage as an anchor, or null when nothing (or no text) is selected. */
export function anchorOfSelection(state: EditorState): CommentAnchor | null {
	const b = bindingOf(state);
	return b ? anchorOfRange(b, state.doc, state.selection.from, state.selection.to) : null;
}

function commentSelection(state: EditorState, opts: Options): boolean {
	const anchor = opts.source ? anchorOfSelection(state) : null;
	if (!anchor || !opts.source) return false;
	opts.source.callbacks.onComment(opts.nodeId, anchor);
	return true;
}

/** The « Commenter » bubble under the selection, and the refresh of the highlights when the threads change. */
class CommentView {
	private bubble: HTMLDivElement;
	private unsubscribe: () => void;
	private statesTimer: ReturnType<typeof setTimeout> | null = null;
	private lastStates = '';
	private destroyed = false;

	constructor(
		private view: EditorView,
		private opts: Options
	) {
		this.bubble = document.createElement('div');
		this.bubble.className = 'comment-bubble';
		this.bubble.hidden = true;
		this.bubble.setAttribute('style', 'position: absolute; z-index: 5;');
		const button = document.createElement('button');
		button.type = 'button';
		button.className = 'btn btn-small';
		button.textContent = 'Commenter';
		button.setAttribute('aria-keyshortcuts', 'Control+Alt+M');
		button.title = 'Commenter le passage sélectionné (Ctrl+Alt+M)';
		button.addEventListener('mousedown', (e) => e.preventDefault()); // keep the selection
		button.addEventListener('click', () => commentSelection(this.view.state, this.opts));
		this.bubble.append(button);
		const host = view.dom.parentElement;
		if (host) {
			if (getComputedStyle(host).position === 'static') host.style.position = 'relative';
			host.append(this.bubble);
		}
		this.unsubscribe = opts.source?.subscribe(() => this.refresh()) ?? (() => {});
		queueMicrotask(() => this.refresh());
	}

	private refresh() {
		if (this.destroyed) return;
		this.view.dispatch(this.view.state.tr.setMeta(key, true));
	}

	update(view: EditorView, prev: EditorState) {
		this.view = view;
		this.place();
		if (view.state.doc !== prev.doc || key.getState(view.state) !== key.getState(prev)) this.scheduleStates();
	}

	private place() {
		const { state } = this.view;
		const host = this.view.dom.parentElement;
		const show =
			!!host &&
			!!this.opts.source &&
			!state.selection.empty &&
			!!state.doc.textBetween(state.selection.from, state.selection.to, ' ', ' ').trim();
		this.bubble.hidden = !show;
		if (!show || !host) return;
		try {
			const at = this.view.coordsAtPos(state.selection.to);
			const box = host.getBoundingClientRect();
			const left = Math.max(0, Math.min(at.left - box.left, box.width - 120));
			this.bubble.style.top = `${at.bottom - box.top + 4}px`;
			this.bubble.style.left = `${left}px`;
		} catch {
			/* position not rendered yet */
		}
	}

	private scheduleStates() {
		const report = this.opts.source?.callbacks.onStates;
		if (!report || this.statesTimer) return;
		this.statesTimer = setTimeout(() => {
			this.statesTimer = null;
			if (this.destroyed) return;
			const b = bindingOf(this.view.state);
			if (!b) return;
			const threads = threadsOf(this.opts);
			const where = resolveAnchors(b.type, threads);
			const states: Record<string, AnchorState> = {};
			threads.forEach((t, i) => (states[t.id] = where[i].state));
			const json = JSON.stringify(states);
			if (json === this.lastStates) return;
			this.lastStates = json;
			report(this.opts.nodeId, states);
		}, 120);
	}

	destroy() {
		this.destroyed = true;
		if (this.statesTimer) clearTimeout(this.statesTimer);
		this.unsubscribe();
		this.bubble.remove();
	}
}

export const CommentHighlight = Extension.create<Options>({
	name: 'commentHighlight',

	addOptions() {
		return { source: null, nodeId: '' };
	},

	addKeyboardShortcuts() {
		return { 'Mod-Alt-m': () => commentSelection(this.editor.state, this.options) };
	},

	addProseMirrorPlugins() {
		const opts = this.options;
		return [
			new Plugin<DecorationSet>({
				key,
				state: {
					init: (_config, state) => decorate(state, opts),
					apply(tr, old, _oldState, newState) {
						const y = tr.getMeta(ySyncPluginKey) as { isChangeOrigin?: boolean } | undefined;
						// remote changes (and the first rendering) come from Yjs: positions are recomputed from the anchors;
						// local edits are not in Yjs yet, so the highlights are mapped through them (same result)
						if (tr.getMeta(key) || y?.isChangeOrigin) return decorate(newState, opts);
						return tr.docChanged ? old.map(tr.mapping, tr.doc) : old;
					}
				},
				props: {
					decorations: (state) => key.getState(state),
					handleClick(view, pos) {
						const found = key.getState(view.state)?.find(pos, pos) ?? [];
						const id = (found[0]?.spec as { threadId?: string } | undefined)?.threadId;
						if (id) opts.source?.callbacks.onOpen?.(id);
						return false;
					}
				},
				view: (view) => new CommentView(view, opts)
			})
		];
	}
});
