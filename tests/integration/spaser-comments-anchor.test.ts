// Comments anchored in the text (issue 15): a thread may be about a passage of an element's body, stored as two
// Yjs relative positions (base64) and the quoted text; forged anchors are refused in French (400) or, when they
// are well formed but point elsewhere, shown without a passage; every write is announced to live viewers.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { withUser, type Database } from '../../src/lib/server/db';
import { AppError } from '../../src/lib/server/kit/errors';
import {
	addComment,
	deleteComment,
	editComment,
	listComments,
	reopenThread,
	resolveThread
} from '../../src/lib/server/spaser/comments';
import { followComments } from '../../src/lib/server/spaser/comments-live';
import { createSpaserRecord } from '../../src/lib/server/spaser/documents';
import { projectDocument } from '../../src/lib/server/spaser/projection';
import { encodeAnchorPosition, resolveAnchors, type CommentAnchor } from '../../src/lib/spaser/anchors';
import { addNode, bodyFragment } from '../../src/lib/spaser/ydoc';
import { engines, openTestDb } from '../helpers/engines';
import { outbox } from '../helpers/factories';
import { spaserWorld, type SpaserWorld } from './spaser-fixture';

async function rejects(p: Promise<unknown>): Promise<AppError> {
	try {
		await p;
	} catch (e) {
		expect(e).toBeInstanceOf(AppError);
		return e as AppError;
	}
	throw new Error('expected an error');
}

/** A body « Les clauses sociales du marché » in one paragraph; the anchor of `passage` in it. */
function bodyWith(doc: Y.Doc, nodeId: string, text: string) {
	const fragment = bodyFragment(doc, nodeId);
	const p = new Y.XmlElement('paragraph');
	const t = new Y.XmlText();
	t.insert(0, text);
	p.insert(0, [t]);
	fragment.insert(0, [p]);
	return { fragment, text: t };
}

function anchorOf(t: Y.XmlText, passage: string): CommentAnchor {
	const i = t.toString().indexOf(passage);
	return {
		start: encodeAnchorPosition(Y.createRelativePositionFromTypeIndex(t, i, 0)),
		end: encodeAnchorPosition(Y.createRelativePositionFromTypeIndex(t, i + passage.length, -1)),
		quote: passage
	};
}

describe.each(engines)('SPASER comments anchored in the text (%s)', (engine) => {
	let db: Database;
	let w: SpaserWorld;
	let docId: string;
	let nodeId: string;
	let otherNode: string;
	let doc: Y.Doc;
	let body: ReturnType<typeof bodyWith>;
	beforeAll(async () => {
		db = await openTestDb(engine);
		w = await spaserWorld(db);
		docId = (
			await createSpaserRecord(db, w.editorA, {
				orgIds: [w.orgA.id],
				leadOrgId: w.orgA.id,
				title: 'SPASER annoté',
				periodStart: 2026,
				periodEnd: 2029
			})
		).id;
		doc = new Y.Doc();
		nodeId = addNode(doc, { title: 'Clauses sociales' });
		otherNode = addNode(doc, { title: 'Réemploi' });
		body = bodyWith(doc, nodeId, 'Les clauses sociales du marché sont suivies chaque année.');
		await projectDocument(db, docId, doc);
	});
	afterAll(() => db?.close());

	it('a reader comments on a passage: the anchor and the quote are kept, the passage is found again after edits', async () => {
		const anchor = anchorOf(body.text, 'clauses sociales');
		const c = await addComment(db, w.viewerA, docId, nodeId, 'Lesquelles exactement ?', null, anchor);
		expect(c).toMatchObject({
			thread_id: null,
			anchor_start: anchor.start,
			anchor_end: anchor.end,
			quote: 'clauses sociales'
		});
		const [thread] = await listComments(db, w.editorA, docId, nodeId);
		expect(thread.anchor).toEqual(anchor);

		// text typed before, at the very start and just after the passage: the passage stays exactly the same
		body.text.insert(0, 'Depuis 2026, ');
		const at = body.text.toString().indexOf('clauses sociales');
		body.text.insert(at, 'les ');
		body.text.insert(at + 4 + 'clauses sociales'.length, ' et environnementales');
		expect(resolveAnchors(body.fragment, [thread.anchor!])).toEqual([{ state: 'anchored', text: 'clauses sociales' }]);
		// a passage of another element, or another document's positions, do not resolve here (shown unanchored)
		const other = new Y.Doc();
		const elsewhere = bodyWith(other, addNode(other, { title: 'Ailleurs' }), 'clauses sociales ailleurs');
		expect(resolveAnchors(body.fragment, [anchorOf(elsewhere.text, 'clauses sociales')])[0].state).toBe('lost');
		expect(resolveAnchors(bodyWith(doc, otherNode, 'autre').fragment, [thread.anchor!])[0].state).toBe('lost');
		// the passage deleted: the thread stays, with its quote, « passage supprimé »
		const now = body.text.toString().indexOf('clauses sociales');
		body.text.delete(now, 'clauses sociales'.length);
		expect(resolveAnchors(body.fragment, [thread.anchor!])).toEqual([{ state: 'deleted', text: '' }]);
		expect((await listComments(db, w.viewerA, docId, nodeId))[0].anchor?.quote).toBe('clauses sociales');
	});

	it('replies belong to the thread’s passage; resolve and reopen keep it; mentions still e-mail', async () => {
		const [thread] = await listComments(db, w.editorA, docId, nodeId);
		const reply = await addComment(
			db,
			w.editorA,
			docId,
			nodeId,
			`Celles de l’article 3, @[Véra Lectrice](${w.viewerA.id})`,
			thread.id,
			anchorOf(body.text, 'marché')
		);
		expect(reply).toMatchObject({ thread_id: thread.id, anchor_start: null, anchor_end: null, quote: null });
		expect((await outbox(db, w.viewerA.email)).map((m) => m.kind)).toContain('spaser_mention');
		expect((await resolveThread(db, w.adminA, reply.id)).resolved_at).toBeInstanceOf(Date);
		let [again] = await listComments(db, w.viewerA, docId, nodeId);
		expect(again.resolved_at).toBeInstanceOf(Date);
		expect(again.anchor).toEqual(thread.anchor);
		await reopenThread(db, w.viewerA, thread.id);
		[again] = await listComments(db, w.viewerA, docId, nodeId);
		expect(again.resolved_at).toBeNull();
		expect(again.anchor).toEqual(thread.anchor);
		expect(again.comments).toHaveLength(2);
		// whole-element comments still work
		const plain = await addComment(db, w.editorA, docId, otherNode, 'Sur tout l’élément.');
		expect(plain).toMatchObject({ anchor_start: null, anchor_end: null, quote: null });
	});

	it('refuses forged anchors with a French 400 and writes nothing; outsiders get 404', async () => {
		const good = anchorOf(body.text, 'marché');
		const before = (await listComments(db, w.editorA, docId)).flatMap((t) => t.comments).length;
		const huge = encodeAnchorPosition(Y.createRelativePositionFromTypeIndex(body.text, 1, 0)).padEnd(4000, 'A');
		const forged: unknown[] = [
			{ ...good, start: 'pas du base64 !' },
			{ ...good, start: 'AAAA' }, // decodes to nothing
			{ ...good, end: good.end + 'AAAA' }, // trailing bytes
			{ ...good, start: huge },
			{ ...good, quote: '   ' },
			{ ...good, quote: 'x'.repeat(1001) },
			{ start: good.start, quote: 'marché' },
			{ ...good, start: 42 },
			'pas un objet'
		];
		for (const anchor of forged) {
			const e = await rejects(addComment(db, w.editorA, docId, nodeId, 'Forgé', null, anchor));
			expect(e.status, JSON.stringify(anchor).slice(0, 80)).toBe(400);
			expect(e.message).toMatch(/passage/i);
		}
		expect((await rejects(addComment(db, w.adminB, docId, nodeId, 'Intrusion', null, good))).status).toBe(404);
		expect((await listComments(db, w.editorA, docId)).flatMap((t) => t.comments).length).toBe(before);

		// nor through SQL: a reply cannot carry an anchor, an anchor is base64 of bounded length, and nobody moves it
		const [thread] = await listComments(db, w.editorA, docId, nodeId);
		await expect(
			withUser(db, w.editorA, (tx) =>
				tx.query(
					`insert into public.spaser_comments (document_id, node_id, thread_id, body, anchor_start, anchor_end, quote) values ($1, $2, $3, 'x', $4, $5, 'q')`,
					[docId, nodeId, thread.id, good.start, good.end]
				)
			)
		).rejects.toThrow(/spaser_comments_anchor_shape/);
		await expect(
			withUser(db, w.editorA, (tx) =>
				tx.query(
					`insert into public.spaser_comments (document_id, node_id, body, anchor_start, anchor_end, quote) values ($1, $2, 'x', $3, $4, 'q')`,
					[docId, nodeId, '<script>', good.end]
				)
			)
		).rejects.toThrow(/spaser_comments_anchor_shape/);
		await expect(
			withUser(db, w.viewerA, (tx) =>
				tx.query(`update public.spaser_comments set anchor_start = $2 where id = $1`, [thread.id, good.start])
			)
		).rejects.toThrow(/permission denied/);
	});

	it('announces every write to the SPASER’s live viewers, without content', async () => {
		const seen: number[] = [];
		const stop = await followComments(db, docId, () => seen.push(Date.now()));
		const elsewhere: number[] = [];
		const stopOther = await followComments(db, '00000000-0000-4000-8000-000000000000', () => elsewhere.push(1));
		try {
			const wait = async (n: number) =>
				vi.waitFor(() => expect(seen.length).toBeGreaterThanOrEqual(n), { timeout: 5000, interval: 20 });
			const c = await addComment(db, w.editorA, docId, nodeId, 'Annonce', null, anchorOf(body.text, 'marché'));
			await wait(1);
			let n = seen.length;
			await resolveThread(db, w.viewerA, c.id);
			await wait(n + 1);
			n = seen.length;
			await reopenThread(db, w.viewerA, c.id);
			await wait(n + 1);
			n = seen.length;
			await editComment(db, w.editorA, c.id, 'Annonce modifiée');
			await wait(n + 1);
			n = seen.length;
			await deleteComment(db, w.editorA, c.id);
			await wait(n + 1);
			expect(elsewhere).toEqual([]);
		} finally {
			stop();
			stopOther();
		}
	});
});
