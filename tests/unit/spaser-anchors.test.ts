// Comment anchors against a real Y.Doc and real ProseMirror documents (the editor's schema and y-prosemirror's
// mapping): a passage selected in one editor is found again, exactly, after edits around it made in another
// replica; deleted → « deleted »; forged or foreign → « lost » and never a throw.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { getSchema } from '@tiptap/core';
import StarterKit from '@tiptap/starter-kit';
import type { Node as PMNode } from '@tiptap/pm/model';
import { initProseMirrorDoc, prosemirrorJSONToYXmlFragment } from '@tiptap/y-tiptap';
import { anchorOfRange, rangeOfAnchor, type Binding } from '../../src/lib/components/spaser/commentHighlight';
import {
	commentAnchorSchema,
	decodeAnchorPosition,
	encodeAnchorPosition,
	resolveAnchors,
	type CommentAnchor
} from '../../src/lib/spaser/anchors';
import { addNode, bodyFragment } from '../../src/lib/spaser/ydoc';

const schema = getSchema([StarterKit]);
const para = (text: string) => ({ type: 'paragraph', content: [{ type: 'text', text }] });

/** A SPASER with one element whose body is these paragraphs. */
function world(paragraphs: string[]) {
	const doc = new Y.Doc();
	const nodeId = addNode(doc, { title: 'Clauses sociales' });
	prosemirrorJSONToYXmlFragment(schema, { type: 'doc', content: paragraphs.map(para) }, bodyFragment(doc, nodeId));
	return { doc, nodeId };
}

/** What an editor bound to this body shows (the ProseMirror document and y-prosemirror's mapping). */
function editorOf(doc: Y.Doc, nodeId: string): { pm: PMNode; binding: Binding } {
	const fragment = bodyFragment(doc, nodeId);
	const { doc: pm, mapping } = initProseMirrorDoc(fragment, schema);
	return { pm, binding: { type: fragment, doc, mapping } };
}

/** ProseMirror range of the n-th occurrence of `text`. */
function find(pm: PMNode, text: string): { from: number; to: number } {
	let found: { from: number; to: number } | null = null;
	pm.descendants((node, pos) => {
		if (found || !node.isText) return;
		const i = node.text!.indexOf(text);
		if (i >= 0) found = { from: pos + i, to: pos + i + text.length };
	});
	if (!found) throw new Error(`not found: ${text}`);
	return found;
}

/** The passage an editor of this replica highlights. */
function highlighted(doc: Y.Doc, nodeId: string, anchor: Pick<CommentAnchor, 'start' | 'end'>): string | null {
	const { pm, binding } = editorOf(doc, nodeId);
	const r = rangeOfAnchor(binding, anchor, pm);
	return r ? pm.textBetween(r.from, r.to, '\n') : null;
}

function replica(doc: Y.Doc): Y.Doc {
	const other = new Y.Doc();
	Y.applyUpdate(other, Y.encodeStateAsUpdate(doc));
	doc.on('update', (u: Uint8Array, origin: unknown) => origin !== 'relay' && Y.applyUpdate(other, u, 'relay'));
	other.on('update', (u: Uint8Array, origin: unknown) => origin !== 'relay' && Y.applyUpdate(doc, u, 'relay'));
	return other;
}

function textOf(doc: Y.Doc, nodeId: string, paragraph = 0): Y.XmlText {
	return (bodyFragment(doc, nodeId).get(paragraph) as Y.XmlElement).get(0) as Y.XmlText;
}

describe('comment anchors', () => {
	it('follow edits made around the passage by anyone, and keep exactly the passage', () => {
		const { doc, nodeId } = world(['Les clauses sociales du marché sont suivies.']);
		const { pm, binding } = editorOf(doc, nodeId);
		const { from, to } = find(pm, 'clauses sociales');
		const anchor = anchorOfRange(binding, pm, from, to)!;
		expect(anchor.quote).toBe('clauses sociales');
		expect(commentAnchorSchema.parse(anchor)).toEqual(anchor);

		const b = replica(doc); // another person's browser
		expect(highlighted(b, nodeId, anchor)).toBe('clauses sociales');
		const t = textOf(b, nodeId);
		t.insert(0, 'Depuis 2026, '); // far before
		let at = t.toString().indexOf('clauses sociales');
		t.insert(at, 'toutes les '); // right at the start: outside
		at = t.toString().indexOf('clauses sociales') + 'clauses sociales'.length;
		t.insert(at, ' et environnementales'); // right at the end: outside
		expect(t.toString()).toBe(
			'Depuis 2026, Les toutes les clauses sociales et environnementales du marché sont suivies.'
		);
		for (const d of [doc, b]) {
			expect(highlighted(d, nodeId, anchor)).toBe('clauses sociales');
			expect(resolveAnchors(bodyFragment(d, nodeId), [anchor])).toEqual([
				{ state: 'anchored', text: 'clauses sociales' }
			]);
		}
		// typed inside the passage: part of it
		t.insert(t.toString().indexOf('sociales'), 'très ');
		expect(highlighted(doc, nodeId, anchor)).toBe('clauses très sociales');
		// a new paragraph before the passage's one
		bodyFragment(b, nodeId).insert(0, [new Y.XmlElement('paragraph')]);
		expect(highlighted(doc, nodeId, anchor)).toBe('clauses très sociales');
	});

	it('spans paragraphs, and reports a deleted passage as deleted (the thread keeps its quote)', () => {
		const { doc, nodeId } = world(['Premier paragraphe, fin.', 'Second paragraphe, début.', 'Troisième.']);
		const { pm, binding } = editorOf(doc, nodeId);
		const anchor = anchorOfRange(binding, pm, find(pm, 'fin.').from, find(pm, 'Second').to)!;
		expect(anchor.quote).toBe('fin. Second');
		expect(highlighted(doc, nodeId, anchor)).toBe('fin.\nSecond');
		const single = anchorOfRange(binding, pm, find(pm, 'Troisième').from, find(pm, 'Troisième').to)!;
		// the passage's characters deleted
		const t = textOf(doc, nodeId, 2);
		t.delete(0, 'Troisième'.length);
		expect(resolveAnchors(bodyFragment(doc, nodeId), [single])).toEqual([{ state: 'deleted', text: '' }]);
		expect(highlighted(doc, nodeId, single)).toBeNull();
		// the whole paragraph deleted
		bodyFragment(doc, nodeId).delete(0, 2);
		expect(resolveAnchors(bodyFragment(doc, nodeId), [anchor])[0].state).toBe('deleted');
		expect(highlighted(doc, nodeId, anchor)).toBeNull();
	});

	it('treats forged and foreign anchors as lost, never throwing', () => {
		const { doc, nodeId } = world(['Un texte.']);
		const other = addNode(doc, { title: 'Autre' });
		prosemirrorJSONToYXmlFragment(
			schema,
			{ type: 'doc', content: [para('Ailleurs dans le document.')] },
			bodyFragment(doc, other)
		);
		const { pm, binding } = editorOf(doc, other);
		const foreign = anchorOfRange(binding, pm, find(pm, 'Ailleurs').from, find(pm, 'Ailleurs').to)!;
		const stranger = world(['Un texte.']);
		const alien = anchorOfRange(
			editorOf(stranger.doc, stranger.nodeId).binding,
			editorOf(stranger.doc, stranger.nodeId).pm,
			1,
			3
		)!;
		const ghost = encodeAnchorPosition(Y.createRelativePositionFromJSON({ item: { client: 123456, clock: 99 } }));
		const anchors = [foreign, alien, { start: ghost, end: ghost }, { start: 'AAAA', end: '!!!!' }];
		expect(resolveAnchors(bodyFragment(doc, nodeId), anchors).map((r) => r.state)).toEqual([
			'lost',
			'lost',
			'lost',
			'lost'
		]);
		for (const a of anchors) expect(highlighted(doc, nodeId, a)).toBeNull();
		expect(decodeAnchorPosition('A'.repeat(300))).toBeNull();
		expect(decodeAnchorPosition(foreign.start + 'AAAA')).toBeNull();
		expect(decodeAnchorPosition(foreign.start)).not.toBeNull();
	});
});
