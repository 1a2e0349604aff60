import type * as Y from 'yjs';

/**
 * Applies the difference between the Y.Text's current value and `next` as one delete + one insert around the
 * common prefix/suffix, so that concurrent typing by others elsewhere in the text is kept.
 */
export function applyTextChange(text: Y.Text, next: string) {
	const prev = text.toString();
	if (prev === next) return;
	let start = 0;
	while (start < prev.length && start < next.length && prev[start] === next[start]) start++;
	let endPrev = prev.length;
	let endNext = next.length;
	while (endPrev > start && endNext > start && prev[endPrev - 1] === next[endNext - 1]) {
		endPrev--;
		endNext--;
	}
	text.doc!.transact(() => {
		if (endPrev > start) text.delete(start, endPrev - start);
		if (endNext > start) text.insert(start, next.slice(start, endNext));
	});
}

/** A stable, readable colour per user (for carets and presence), with enough contrast on white. */
export function colorFor(id: string): string {
	const palette = ['#1f5f4a', '#8a3b12', '#1f4e79', '#6b2d7b', '#7a4a00', '#a4262c', '#0f6b6b', '#4b5320'];
	let h = 0;
	for (const c of id) h = (h * 31 + c.charCodeAt(0)) >>> 0;
	return palette[h % palette.length];
}
