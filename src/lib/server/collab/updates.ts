// What the server checks in a Yjs update before it applies and stores it: empty, already known (redundant), text
// PostgreSQL would refuse; and the end clock per Yjs clientID of its structs (what its sender is told is saved).
import * as Y from 'yjs';
import { findBadString, hasBadChars } from '../input-guard';

export function isEmptyUpdate(u: Uint8Array): boolean {
	return u.byteLength === 2 && u[0] === 0 && u[1] === 0;
}

export type DecodedUpdate = ReturnType<typeof Y.decodeUpdate>;

/** End clock per Yjs clientID of an update's structs. */
export function endClocks(decoded: DecodedUpdate): Map<number, number> {
	const clocks = new Map<number, number>();
	for (const st of decoded.structs) {
		const end = st.id.clock + st.length;
		if ((clocks.get(st.id.client) ?? 0) < end) clocks.set(st.id.client, end);
	}
	return clocks;
}

/**
 * True when an update inserts a string holding a NUL or a lone surrogate anywhere: text (ContentString), values
 * of maps and arrays (ContentAny, ContentJSON), formatting marks (ContentFormat), embeds, map keys, root type
 * names, XML element names and sub-document ids. PostgreSQL refuses such text, so one of them would block the
 * document's projection, versions and exports.
 */
export function updateHasBadText(decoded: DecodedUpdate): boolean {
	for (const st of decoded.structs) {
		if (!(st instanceof Y.Item)) continue; // GC and Skip structs carry no content
		if (typeof st.parentSub === 'string' && hasBadChars(st.parentSub)) return true;
		if (typeof st.parent === 'string' && hasBadChars(st.parent)) return true;
		const c = st.content as unknown;
		if (c instanceof Y.ContentString) {
			if (hasBadChars(c.str)) return true;
		} else if (c instanceof Y.ContentAny || c instanceof Y.ContentJSON) {
			if (findBadString(c.arr)) return true;
		} else if (c instanceof Y.ContentFormat) {
			if (hasBadChars(c.key) || findBadString(c.value)) return true;
		} else if (c instanceof Y.ContentEmbed) {
			if (findBadString(c.embed)) return true;
		} else if (c instanceof Y.ContentType) {
			const t = c.type as unknown as { nodeName?: unknown; hookName?: unknown };
			for (const name of [t.nodeName, t.hookName]) if (typeof name === 'string' && hasBadChars(name)) return true;
		} else if (c instanceof Y.ContentDoc) {
			if (typeof c.doc?.guid === 'string' && hasBadChars(c.doc.guid)) return true;
		}
	}
	return false;
}

/**
 * True when applying `decoded` to `doc` would change nothing: every struct is already known and every deleted
 * range is already deleted. (Updates still waiting in the write queue are not considered: a duplicate of one of
 * them is stored, which is harmless.)
 */
export function isRedundant(doc: Y.Doc, decoded: DecodedUpdate): boolean {
	const store = doc.store;
	for (const s of decoded.structs) {
		if (s.id.clock + s.length > Y.getState(store, s.id.client)) return false;
	}
	for (const [client, ranges] of decoded.ds.clients) {
		const known = Y.getState(store, client);
		for (const r of ranges) {
			const end = r.clock + r.len;
			if (end > known) return false;
			let clock = r.clock;
			while (clock < end) {
				const struct = Y.getItem(store, Y.createID(client, clock));
				if (!struct.deleted) return false;
				clock = struct.id.clock + struct.length;
			}
		}
	}
	return true;
}
