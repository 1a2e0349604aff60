// One binding between a plain <input>/<textarea> and a Y.Text, used by every short field of the SPASER editor
// (titles, pilot, lists, target fields, level names). It replaces « value={…} onchange={write the whole value} »,
// which showed nothing of a colleague's typing while the field had focus and then wrote the stale value back.
//   - local input → the minimal change (one delete + one insert at the caret) applied to the Y.Text, so what
//     others typed elsewhere in the same text is kept;
//   - remote change → applied to the field at once, even while it has focus; the local caret and selection are
//     kept through Yjs relative positions taken just before the change (so they follow the text they were in).
import * as Y from 'yjs';
import { LocalOrigin } from './ydoc';

export interface TextDelta {
	index: number;
	remove: number;
	insert: string;
}

/**
 * The change that turns `prev` into `next`, as one removal + one insertion. `caret` is the caret position in
 * `next` after the edit (selectionEnd), which decides where a change among repeated characters took place
 * (typing « a » after « aa » at the start must insert at 0, not append); null when unknown.
 */
export function diffAtCaret(prev: string, next: string, caret: number | null): TextDelta | null {
	if (prev === next) return null;
	const common = Math.min(prev.length, next.length);
	let prefix = 0;
	let suffix = 0;
	const samePrefix = (limit: number) => {
		while (prefix < limit && prev[prefix] === next[prefix]) prefix++;
	};
	const sameSuffix = (limit: number) => {
		while (suffix < limit && prev[prev.length - 1 - suffix] === next[next.length - 1 - suffix]) suffix++;
	};
	if (caret === null) {
		samePrefix(common);
		sameSuffix(common - prefix);
	} else {
		// what follows the caret was not touched: match it first
		sameSuffix(Math.min(common, Math.max(0, next.length - caret)));
		samePrefix(common - suffix);
	}
	return { index: prefix, remove: prev.length - suffix - prefix, insert: next.slice(prefix, next.length - suffix) };
}

/** Applies a delta to a Y.Text in one transaction with `origin`. */
export function applyDelta(text: Y.Text, d: TextDelta, origin: unknown) {
	text.doc!.transact(() => {
		if (d.remove) text.delete(d.index, d.remove);
		if (d.insert) text.insert(d.index, d.insert);
	}, origin);
}

/**
 * Relative positions of a selection: each sticks to the character on its left (assoc -1), so a colleague's
 * text inserted right at the caret goes after it and one's own next keystroke stays where one was typing.
 */
export function captureSelection(text: Y.Text, start: number, end: number): [Y.RelativePosition, Y.RelativePosition] {
	return [Y.createRelativePositionFromTypeIndex(text, start, -1), Y.createRelativePositionFromTypeIndex(text, end, -1)];
}

/** Absolute positions of captured relative positions after the text changed (null if they cannot be resolved). */
export function restoreSelection(text: Y.Text, sel: [Y.RelativePosition, Y.RelativePosition]): [number, number] | null {
	const doc = text.doc;
	if (!doc) return null;
	const a = Y.createAbsolutePositionFromRelativePosition(sel[0], doc);
	const b = Y.createAbsolutePositionFromRelativePosition(sel[1], doc);
	if (!a || !b || a.type !== text || b.type !== text) return null;
	return [a.index, b.index];
}

export interface YTextParams {
	/** The shared text; null shows `fallback` (read-only: a document not yet upgraded, see upgradeLegacyFields). */
	text: Y.Text | null;
	fallback?: string;
}

type Field = HTMLInputElement | HTMLTextAreaElement;

/** Svelte action: `<input use:yText={{ text }}>`. */
export function yText(node: Field, params: YTextParams) {
	let text: Y.Text | null = null;
	let shadow = '';
	// a LocalOrigin: this person's typing is undoable by their undo manager ($lib/spaser/undo), field by field
	const origin = new LocalOrigin('field');
	let pending: [Y.RelativePosition, Y.RelativePosition] | null = null;

	const onInput = () => {
		if (!text) return;
		const d = diffAtCaret(shadow, node.value, node.selectionEnd);
		shadow = node.value;
		if (d) applyDelta(text, d, origin);
	};
	// Before any change to the document, remember where the caret is in this text (only while focused).
	const beforeTransaction = () => {
		pending =
			text && document.activeElement === node
				? captureSelection(text, node.selectionStart ?? 0, node.selectionEnd ?? 0)
				: null;
	};
	const observer = (_e: Y.YTextEvent, tr: Y.Transaction) => {
		if (!text || tr.origin === origin) return;
		const next = text.toString();
		if (next === node.value) {
			shadow = next;
			return;
		}
		const sel = pending ? restoreSelection(text, pending) : null;
		node.value = next;
		shadow = next;
		if (sel && document.activeElement === node) node.setSelectionRange(sel[0], sel[1]);
	};

	function bind(p: YTextParams) {
		if (text === p.text && text) return;
		unbind();
		text = p.text;
		shadow = text ? text.toString() : (p.fallback ?? '');
		node.value = shadow;
		if (!text) return;
		text.observe(observer);
		text.doc?.on('beforeTransaction', beforeTransaction);
	}
	function unbind() {
		if (!text) return;
		text.unobserve(observer);
		text.doc?.off('beforeTransaction', beforeTransaction);
		text = null;
	}

	node.addEventListener('input', onInput);
	bind(params);
	return {
		update(p: YTextParams) {
			if (!p.text && !text) {
				shadow = p.fallback ?? '';
				if (document.activeElement !== node) node.value = shadow;
			}
			bind(p);
		},
		destroy() {
			node.removeEventListener('input', onInput);
			unbind();
		}
	};
}
