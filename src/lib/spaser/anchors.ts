// Comment anchors: a passage of an element's body, kept as two Yjs relative positions into its Y.XmlFragment, so
// that it follows every edit around it, made by anyone (issue 15). Shared by the server (validation) and the
// editor (highlight, « passage supprimé »).
//
// - The start is attached to the passage's FIRST character (assoc 0: text typed just before the passage stays
//   outside it); the end to its LAST character (assoc -1: text typed just after it stays outside too).
// - Positions are encoded with Y.encodeRelativePosition and sent in base64 (bounded). They are opaque to the
//   server: a forged one (bytes that do not decode, a type of another document or element, an item deleted long
//   ago) resolves to nothing in the editor and the thread is shown without a highlight (`lost`), never an error.
import * as Y from 'yjs';
import { fromBase64, toBase64 } from 'lib0/buffer';
import { z } from 'zod';

/** Longest accepted encoded position (base64 characters; a real one is 10–40). */
export const MAX_ANCHOR_CHARS = 256;
/** Longest quoted passage kept with a comment (longer selections are cut, with « … »). */
export const MAX_QUOTE_LENGTH = 1000;

export interface CommentAnchor {
	/** Relative position of the passage's first character (base64). */
	start: string;
	/** Relative position of the passage's last character (base64). */
	end: string;
	/** The passage's text when the comment was written. */
	quote: string;
}

const BASE64_RE = /^[A-Za-z0-9+/]+={0,2}$/;

export function encodeAnchorPosition(pos: Y.RelativePosition): string {
	return toBase64(Y.encodeRelativePosition(pos));
}

/** The relative position, or null when the text is not a canonical encoding of one (bounded, never throws). */
export function decodeAnchorPosition(b64: unknown): Y.RelativePosition | null {
	if (
		typeof b64 !== 'string' ||
		b64.length < 4 ||
		b64.length > MAX_ANCHOR_CHARS ||
		b64.length % 4 !== 0 ||
		!BASE64_RE.test(b64)
	)
		return null;
	try {
		const bytes = fromBase64(b64);
		const pos = Y.decodeRelativePosition(bytes);
		if (!pos.item && !pos.type && !pos.tname) return null;
		// canonical: re-encoding gives the same bytes (no trailing garbage)
		return encodeAnchorPosition(pos) === b64 ? pos : null;
	} catch {
		return null;
	}
}

/** A passage's text as quoted: blanks collapsed, at most MAX_QUOTE_LENGTH characters. */
export function quoteOf(text: string): string {
	const t = text.replace(/\s+/g, ' ').trim();
	return t.length > MAX_QUOTE_LENGTH ? `${t.slice(0, MAX_QUOTE_LENGTH - 1)}…` : t;
}

const position = z
	.string({ error: 'Le passage commenté est mal indiqué.' })
	.refine((s) => decodeAnchorPosition(s) !== null, {
		message: 'Le passage commenté est mal indiqué\u00a0: sélectionnez-le à nouveau dans le texte.'
	});

/** What a browser sends for an anchored comment (all three fields, or none). */
export const commentAnchorSchema = z.object({
	start: position,
	end: position,
	quote: z
		.string()
		.transform((s) => s.replace(/\s+/g, ' ').trim())
		.pipe(
			z
				.string()
				.min(1, 'Le passage commenté est vide\u00a0: sélectionnez du texte avant de commenter.')
				.max(MAX_QUOTE_LENGTH, `Le passage cité est limité à ${MAX_QUOTE_LENGTH} caractères.`)
		)
});

export type AnchorState = 'anchored' | 'deleted' | 'lost';

export interface ResolvedAnchor {
	state: AnchorState;
	/** The passage's current text (blocks separated by « \n »), when anchored. */
	text: string;
}

/** The fragment flattened: text of every block, in order, and where each Y type starts and ends in it. */
function flatten(fragment: Y.XmlFragment) {
	let text = '';
	const starts = new Map<object, number>();
	const ends = new Map<object, number>();
	const childStarts = new Map<object, number[]>();
	const walk = (t: Y.XmlFragment | Y.XmlElement | Y.XmlText) => {
		starts.set(t, text.length);
		if (t instanceof Y.XmlText) {
			for (const op of t.toDelta() as { insert: unknown }[])
				text += typeof op.insert === 'string' ? op.insert : '\ufffc';
		} else {
			const offsets: number[] = [];
			for (const child of t.toArray()) {
				offsets.push(text.length);
				if (child instanceof Y.XmlText || child instanceof Y.XmlElement) walk(child);
			}
			childStarts.set(t, offsets);
			if (t instanceof Y.XmlElement && !text.endsWith('\n')) text += '\n';
		}
		ends.set(t, text.length);
	};
	walk(fragment);
	return { text, starts, ends, childStarts };
}

/** Offset in the flattened text of an absolute Yjs position, or null when it is not (or no longer) in the fragment. */
function offsetOf(flat: ReturnType<typeof flatten>, abs: Y.AbsolutePosition): number | null {
	const start = flat.starts.get(abs.type);
	if (start === undefined) return null;
	if (abs.type instanceof Y.XmlText) return start + Math.min(abs.index, abs.type.length);
	const children = flat.childStarts.get(abs.type) ?? [];
	return abs.index < children.length ? children[abs.index] : (flat.ends.get(abs.type) ?? null);
}

/** Whether this document has ever held the item a relative position points to. */
function seen(doc: Y.Doc, pos: Y.RelativePosition): boolean {
	const id = pos.item ?? pos.type;
	return !!id && Y.getState(doc.store, id.client) > id.clock;
}

function belongsTo(fragment: Y.XmlFragment, type: Y.AbstractType<unknown>): boolean {
	return type === fragment || (!!type._item && Y.isParentOf(fragment, type._item));
}

/**
 * Where each anchor is in this element's body, from the Y.Doc alone (no editor needed): `anchored` with its
 * current text, `deleted` when the passage was removed (the thread stays, with its quote), `lost` when the
 * positions do not point into this body at all (forged, or of another element).
 */
export function resolveAnchors(
	fragment: Y.XmlFragment,
	anchors: readonly Pick<CommentAnchor, 'start' | 'end'>[]
): ResolvedAnchor[] {
	const doc = fragment.doc;
	if (!doc) return anchors.map(() => ({ state: 'lost', text: '' }));
	let flat: ReturnType<typeof flatten> | null = null;
	return anchors.map((a) => {
		const rs = decodeAnchorPosition(a.start);
		const re = decodeAnchorPosition(a.end);
		if (!rs || !re) return { state: 'lost', text: '' };
		let s: Y.AbsolutePosition | null;
		let e: Y.AbsolutePosition | null;
		try {
			s = Y.createAbsolutePositionFromRelativePosition(rs, doc);
			e = Y.createAbsolutePositionFromRelativePosition(re, doc);
		} catch {
			return { state: 'lost', text: '' };
		}
		// the passage's paragraph was deleted and collected: its characters are gone from the document, but it
		// knows they existed (their ids are below its state vector)
		if (!s || !e) return { state: seen(doc, rs) && seen(doc, re) ? 'deleted' : 'lost', text: '' };
		if (!belongsTo(fragment, s.type) || !belongsTo(fragment, e.type)) return { state: 'lost', text: '' };
		flat ??= flatten(fragment);
		const from = offsetOf(flat, s);
		// the end position is just after the passage's last character
		const to = offsetOf(flat, e);
		if (from === null || to === null || to <= from) return { state: 'deleted', text: '' };
		const text = flat.text.slice(from, to).replace(/\n$/, '');
		return text.trim() ? { state: 'anchored', text } : { state: 'deleted', text: '' };
	});
}

/**
 * Re-attaches a position given by y-prosemirror (which always associates to the left) to the side we want:
 * `assoc` 0 for a passage's start, -1 for its end.
 */
export function reassociate(pos: Y.RelativePosition, doc: Y.Doc, assoc: 0 | -1): Y.RelativePosition | null {
	const abs = Y.createAbsolutePositionFromRelativePosition(pos, doc);
	if (!abs) return null;
	return Y.createRelativePositionFromTypeIndex(abs.type, abs.index, assoc);
}
