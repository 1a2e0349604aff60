// From a detection result to the SPASER content model, and the text-conservation measure.
import type { PlainNode, RichNode } from '../model';
import { keyBetween } from '../order';
import { richToText } from '../rich';
import type { DocContent } from '../ydoc';
import { UNPLACED_TITLE, type DroppedText, type ImportResult } from './detect';

/** Converts a (possibly edited) detection result into a DocContent: unplaced text goes into a last root node. */
export function toDocContent(result: ImportResult): DocContent {
	const nodes: PlainNode[] = [];
	const lastKey = new Map<string | null, string | null>();
	const nextKey = (parentId: string | null) => {
		const k = keyBetween(lastKey.get(parentId) ?? null, null);
		lastKey.set(parentId, k);
		return k;
	};
	for (const n of result.nodes) {
		nodes.push({
			id: n.id,
			parentId: n.parentId,
			order: nextKey(n.parentId),
			title: n.title.slice(0, 1000),
			body: n.body,
			kind: n.kind,
			status: 'a_lancer',
			pilot: n.pilot,
			resources: n.resources,
			tools: n.tools,
			links: [],
			targets: n.targets.map(({ sourceText: _s, ...t }) => t)
		});
	}
	if (result.unplaced.length) {
		const body: RichNode[] = result.unplaced.map((u) => ({
			type: 'paragraph',
			content: [{ type: 'text', text: u.text }]
		}));
		nodes.push({
			id: crypto.randomUUID(),
			parentId: null,
			order: nextKey(null),
			title: UNPLACED_TITLE,
			body,
			kind: 'normal',
			status: 'a_lancer',
			pilot: '',
			resources: [],
			tools: [],
			links: [],
			targets: []
		});
	}
	return { settings: { ...result.settings, levelNames: result.settings.levelNames.slice() }, nodes };
}

/** Lower-case words (letters and digits), accents kept. */
export function words(text: string): string[] {
	return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

function bag(list: string[]): Map<string, number> {
	const m = new Map<string, number>();
	for (const w of list) m.set(w, (m.get(w) ?? 0) + 1);
	return m;
}

const NOT_BODY: ReadonlySet<DroppedText['reason']> = new Set([
	'toc',
	'page_number',
	'repeated_header',
	'heading_label',
	'markup'
]);

/**
 * Share of the source body words (the source minus what was dropped as table of contents, page numbers,
 * repeated headers and level labels) found in the imported nodes' titles and bodies (unplaced node included).
 * Words are counted with their multiplicity, so a word present once cannot cover ten occurrences.
 */
export function coverage(source: string, result: ImportResult): number {
	const src = bag(words(source));
	for (const d of result.dropped) {
		if (!NOT_BODY.has(d.reason)) continue;
		for (const w of words(d.text)) {
			const c = src.get(w);
			if (c) src.set(w, c - 1);
		}
	}
	const content = toDocContent(result);
	const got = bag(words(content.nodes.map((n) => `${n.title}\n${richToText(n.body)}`).join('\n')));
	let total = 0;
	let found = 0;
	for (const [w, c] of src) {
		total += c;
		found += Math.min(c, got.get(w) ?? 0);
	}
	return total ? found / total : 1;
}
