import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { withUser, type Database } from '../../src/lib/server/db';
import { AppError } from '../../src/lib/server/kit/errors';
import {
	addComment,
	bodySegments,
	bodyToText,
	deleteComment,
	editComment,
	listComments,
	parseMentions,
	reopenThread,
	resolveThread
} from '../../src/lib/server/spaser/comments';
import { createSpaserRecord, setSharingWithNetworks } from '../../src/lib/server/spaser/documents';
import { projectDocument } from '../../src/lib/server/spaser/projection';
import { addNode, readTree } from '../../src/lib/spaser/ydoc';
import { engines, openTestDb } from '../helpers/engines';
import { linkFrom, outbox } from '../helpers/factories';
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

const mention = (u: { id: string; displayName: string }) => `@[${u.displayName}](${u.id})`;

describe('mention syntax', () => {
	it('parses, splits and flattens mentions', () => {
		const a = '6f1c0a4e-1111-4222-8333-444455556666';
		const body = `Bonjour @[Camille Martin](${a}), et encore @[Camille](${a.toUpperCase()})\u00a0; pas @[x](pas-un-id).`;
		expect(parseMentions(body)).toEqual([{ userId: a, name: 'Camille Martin' }]);
		expect(bodyToText(body)).toBe('Bonjour @Camille Martin, et encore @Camille\u00a0; pas @[x](pas-un-id).');
		expect(bodySegments(body)).toEqual([
			{ text: 'Bonjour ' },
			{ mention: { userId: a, name: 'Camille Martin' } },
			{ text: ', et encore ' },
			{ mention: { userId: a, name: 'Camille' } },
			{ text: '\u00a0; pas @[x](pas-un-id).' }
		]);
	});
});

describe.each(engines)('SPASER comments (%s)', (engine) => {
	let db: Database;
	let w: SpaserWorld;
	let docId: string;
	let nodeId: string;
	let otherNode: string;
	beforeAll(async () => {
		db = await openTestDb(engine);
		w = await spaserWorld(db);
		docId = (
			await createSpaserRecord(db, w.editorA, {
				orgIds: [w.orgA.id],
				leadOrgId: w.orgA.id,
				title: 'SPASER commenté',
				periodStart: 2026,
				periodEnd: 2029
			})
		).id;
		const doc = new Y.Doc();
		nodeId = addNode(doc, { title: 'Clauses sociales' });
		otherNode = addNode(doc, { title: 'Réemploi' });
		await projectDocument(db, docId, doc);
		expect(readTree(doc)).toHaveLength(2);
	});
	afterAll(() => db?.close());

	it('adds a thread with mentions of members and e-mails them in the same transaction', async () => {
		const c = await addComment(
			db,
			w.editorA,
			docId,
			nodeId,
			`  Pouvez-vous relire la cible\u00a0? ${mention(w.viewerA)} ${mention(w.editorA)}  `
		);
		expect(c).toMatchObject({
			document_id: docId,
			node_id: nodeId,
			thread_id: null,
			author_id: w.editorA.id,
			author_name: 'Éric Rédacteur',
			resolved_at: null
		});
		expect(c.body.startsWith('Pouvez-vous')).toBe(true);
		expect(c.mentions.sort()).toEqual([w.viewerA.id, w.editorA.id].sort());
		const mails = await outbox(db, w.viewerA.email);
		expect(mails).toHaveLength(1);
		expect(mails[0].kind).toBe('spaser_mention');
		expect(mails[0].subject).toBe('Éric Rédacteur vous a mentionné·e dans «\u00a0SPASER commenté\u00a0»');
		expect(mails[0].text_body).toContain(
			'sur «\u00a0Axe 1 — Clauses sociales\u00a0» du SPASER «\u00a0SPASER commenté\u00a0»'
		);
		expect(mails[0].text_body).toContain(
			`«\u00a0Pouvez-vous relire la cible\u00a0? @Véra Lectrice @Éric Rédacteur\u00a0»`
		);
		expect(linkFrom(mails[0].text_body).pathname).toBe(`/spaser/${docId}`);
		// the author is not e-mailed about their own mention
		expect(await outbox(db, w.editorA.email)).toHaveLength(0);
	});

	it('refuses mentions of people outside the collectivités, empty bodies and outsiders — nothing is written', async () => {
		const before = (await listComments(db, w.editorA, docId)).length;
		const outsider = await rejects(addComment(db, w.editorA, docId, nodeId, `Voir avec ${mention(w.adminB)}`));
		expect(outsider.message).toBe(
			'«\u00a0Bruno Ailleurs\u00a0» ne fait pas partie des collectivités de ce SPASER\u00a0: retirez la mention ou choisissez une personne de la liste.'
		);
		expect(await outbox(db, w.adminB.email)).toHaveLength(0);
		// a network animator can read a shared SPASER but is not a member: no mention
		expect((await rejects(addComment(db, w.editorA, docId, nodeId, mention(w.animator)))).code).toBe('invalid_mention');
		expect((await rejects(addComment(db, w.editorA, docId, nodeId, '   '))).message).toBe(
			'Écrivez votre commentaire avant de l’envoyer.'
		);
		expect((await rejects(addComment(db, w.editorA, docId, nodeId, 'x'.repeat(10_001)))).message).toMatch(
			/limité à 10.000 caractères/
		);
		expect((await rejects(addComment(db, w.adminB, docId, nodeId, 'Intrusion'))).status).toBe(404);
		expect((await listComments(db, w.editorA, docId)).length).toBe(before);
	});

	it('lists threads with replies, visible to readers only', async () => {
		const [thread] = await listComments(db, w.viewerA, docId, nodeId);
		const reply = await addComment(db, w.viewerA, docId, otherNode, 'Relu, c’est bon pour moi.', thread.id);
		expect(reply).toMatchObject({ thread_id: thread.id, node_id: nodeId });
		const replyToReply = await addComment(db, w.adminA, docId, nodeId, 'Merci.', reply.id);
		expect(replyToReply.thread_id).toBe(thread.id);
		await addComment(db, w.adminA, docId, otherNode, 'Autre fil sur le réemploi.');
		expect(
			(await rejects(addComment(db, w.adminA, docId, nodeId, 'Réponse perdue', '00000000-0000-4000-8000-000000000000')))
				.status
		).toBe(404);

		const all = await listComments(db, w.viewerA, docId);
		expect(all.map((t) => [t.node_id, t.comments.length])).toEqual([
			[nodeId, 3],
			[otherNode, 1]
		]);
		expect(all[0].comments.map((c) => c.author_name)).toEqual(['Éric Rédacteur', 'Véra Lectrice', 'Alice Admin']);
		expect(await listComments(db, w.viewerA, docId, otherNode)).toHaveLength(1);
		expect(await listComments(db, w.adminB, docId)).toEqual([]);
		expect(await listComments(db, w.animator, docId)).toEqual([]);
		await setSharingWithNetworks(db, w.editorA, docId, true);
		expect(await listComments(db, w.animator, docId)).toHaveLength(2);
		await expect(withUser(db, null, (tx) => tx.query('select * from public.spaser_comments'))).rejects.toThrow(
			/permission denied/
		);
	});

	it('resolves and reopens threads; authors edit and delete their own comments only', async () => {
		const [thread] = await listComments(db, w.editorA, docId, nodeId);
		const reply = thread.comments[1];
		const resolved = await resolveThread(db, w.viewerA, reply.id);
		expect(resolved).toMatchObject({ id: thread.id, resolved_by: w.viewerA.id, resolved_by_name: 'Véra Lectrice' });
		expect(resolved.resolved_at).toBeInstanceOf(Date);
		expect((await listComments(db, w.editorA, docId, nodeId))[0].resolved_at).toBeInstanceOf(Date);
		expect((await rejects(resolveThread(db, w.adminB, thread.id))).status).toBe(404);
		expect((await reopenThread(db, w.editorA, thread.id)).resolved_at).toBeNull();

		// editing: only the author; newly mentioned people are e-mailed once
		expect((await rejects(editComment(db, w.editorA, reply.id, 'Pas à moi'))).message).toBe(
			'Vous ne pouvez modifier que vos propres commentaires.'
		);
		const edited = await editComment(db, w.viewerA, reply.id, `Relu. ${mention(w.adminA)} ${mention(w.editorA)}`);
		expect(edited.edited_at).toBeInstanceOf(Date);
		expect(await outbox(db, w.adminA.email)).toHaveLength(1);
		expect(await outbox(db, w.editorA.email)).toHaveLength(1);
		await editComment(db, w.viewerA, reply.id, `Relu\u00a0! ${mention(w.adminA)} ${mention(w.editorA)}`);
		expect(await outbox(db, w.adminA.email)).toHaveLength(1);
		// direct SQL cannot bypass the rule either
		await expect(
			withUser(db, w.editorA, (tx) =>
				tx.query(`update public.spaser_comments set body = 'réécrit' where id = $1`, [reply.id])
			)
		).rejects.toThrow(/only the author/);
		await expect(
			withUser(db, w.editorA, (tx) =>
				tx.query(`update public.spaser_comments set resolved_at = now(), resolved_by = $2 where id = $1`, [
					thread.id,
					w.viewerA.id
				])
			)
		).rejects.toThrow(/resolved_by/);
		await expect(
			withUser(db, w.editorA, (tx) =>
				tx.query(`update public.spaser_comments set node_id = $2 where id = $1`, [thread.id, otherNode])
			)
		).rejects.toThrow(/permission denied/);

		// deleting
		expect((await rejects(deleteComment(db, w.adminA, reply.id))).status).toBe(403);
		expect((await rejects(deleteComment(db, w.editorA, thread.id))).code).toBe('has_replies');
		await deleteComment(db, w.viewerA, reply.id);
		const after = await listComments(db, w.editorA, docId, nodeId);
		expect(after[0].comments.map((c) => c.author_name)).toEqual(['Éric Rédacteur', 'Alice Admin']);
	});
});
