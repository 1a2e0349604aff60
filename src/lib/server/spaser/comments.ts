// Comments on SPASER nodes: threads (thread_id = the first comment), @mentions, resolve/reopen, edit/delete own.
// Visible to everyone who can read the SPASER (row-level security).
//
// Mention syntax (what the editor's autocomplete inserts): @[Display name](user-id), e.g.
//   « Pouvez-vous relire la cible ? @[Camille Martin](4f1c…-…) »
// The id must be a member of one of the SPASER's collectivités; each mentioned person (except the author)
// gets an e-mail, queued in the same transaction as the comment.
import { elevated, withUser, type Actor, type Database, type Tx } from '../db';
import { appOrigin, enqueueEmail, renderEmail } from '../email/outbox';
import { AppError, forbidden, notFound, guard } from '$lib/server/kit/errors';
import { isUuid } from '$lib/server/kit/ids';
import { commentAnchorSchema, type CommentAnchor } from '../../spaser/anchors';
import { announceLocally } from './comments-live';
import { UUID_PATTERN } from '$lib/server/kit/ids';

export interface SpaserComment {
	id: string;
	document_id: string;
	node_id: string;
	thread_id: string | null;
	author_id: string | null;
	author_name: string | null;
	body: string;
	mentions: string[];
	created_at: Date;
	edited_at: Date | null;
	resolved_at: Date | null;
	resolved_by: string | null;
	resolved_by_name: string | null;
	/** The commented passage (first comment of a thread only; null: the whole element). */
	anchor_start: string | null;
	anchor_end: string | null;
	quote: string | null;
}

export interface CommentThread {
	/** Id of the first comment. */
	id: string;
	node_id: string;
	resolved_at: Date | null;
	resolved_by: string | null;
	resolved_by_name: string | null;
	/** The commented passage (Yjs relative positions, see $lib/spaser/anchors), or null for the whole element. */
	anchor: CommentAnchor | null;
	comments: SpaserComment[];
}

export interface Mention {
	userId: string;
	name: string;
}

export type BodySegment = { text: string } | { mention: Mention };

const MENTION_RE = new RegExp(`@\\[([^\\]\\n]{1,200})\\]\\((${UUID_PATTERN})\\)`, 'gi');
export const MAX_COMMENT_LENGTH = 10_000;

/** Mentions in a comment body, in order, without duplicates. */
export function parseMentions(body: string): Mention[] {
	const out = new Map<string, Mention>();
	for (const m of body.matchAll(MENTION_RE)) {
		const userId = m[2].toLowerCase();
		if (!out.has(userId)) out.set(userId, { userId, name: m[1].trim() });
	}
	return [...out.values()];
}

/** The body split into text and mentions, for display (never render the raw syntax as HTML). */
export function bodySegments(body: string): BodySegment[] {
	const out: BodySegment[] = [];
	let last = 0;
	for (const m of body.matchAll(MENTION_RE)) {
		if (m.index! > last) out.push({ text: body.slice(last, m.index) });
		out.push({ mention: { userId: m[2].toLowerCase(), name: m[1].trim() } });
		last = m.index! + m[0].length;
	}
	if (last < body.length) out.push({ text: body.slice(last) });
	return out;
}

/** The body as plain text, mentions shown as « @Name ». */
export function bodyToText(body: string): string {
	return body.replace(MENTION_RE, (_m, name: string) => `@${name.trim()}`);
}

function cleanBody(body: string): string {
	const b = (body ?? '').replace(/\r\n/g, '\n').trim();
	if (!b) throw new AppError('invalid', 'Écrivez votre commentaire avant de l’envoyer.', 400, { field: 'body' });
	if (b.length > MAX_COMMENT_LENGTH)
		throw new AppError(
			'invalid',
			`Un commentaire est limité à ${new Intl.NumberFormat('fr-FR').format(MAX_COMMENT_LENGTH)} caractères.`,
			400,
			{ field: 'body' }
		);
	return b;
}

const COMMENT_COLUMNS = `c.id, c.document_id, c.node_id, c.thread_id, c.author_id, a.display_name as author_name, c.body, c.mentions,
	c.created_at, c.edited_at, c.resolved_at, c.resolved_by, r.display_name as resolved_by_name, c.anchor_start, c.anchor_end, c.quote`;
const COMMENT_FROM = `public.spaser_comments c left join public.users a on a.id = c.author_id left join public.users r on r.id = c.resolved_by`;

function normalize(c: SpaserComment): SpaserComment {
	return { ...c, mentions: (c.mentions ?? []).map(String) };
}

async function loadComment(tx: Tx, id: string): Promise<SpaserComment> {
	if (!isUuid(id)) throw notFound('Ce commentaire');
	const [c] = await tx.query<SpaserComment>(`select ${COMMENT_COLUMNS} from ${COMMENT_FROM} where c.id = $1`, [id]);
	if (!c) throw notFound('Ce commentaire');
	return normalize(c);
}

interface Mentioned {
	id: string;
	email: string;
	display_name: string;
}

/** Checks that every mentioned person is a member of an owning collectivité; returns them. */
async function resolveMentions(tx: Tx, documentId: string, mentions: Mention[]): Promise<Mentioned[]> {
	if (!mentions.length) return [];
	const found = await elevated(tx, (t) =>
		t.query<Mentioned>(
			`select u.id, u.email, u.display_name from public.users u
			  where u.id = any($1::uuid[])
			    and exists (select 1 from public.spaser_document_orgs d
			                join public.organisation_members m on m.org_id = d.org_id and m.user_id = u.id
			                where d.document_id = $2)`,
			[mentions.map((m) => m.userId), documentId]
		)
	);
	const missing = mentions.filter((m) => !found.some((f) => f.id === m.userId));
	if (missing.length)
		throw new AppError(
			'invalid_mention',
			`${missing.map((m) => `«\u00a0${m.name}\u00a0»`).join(', ')} ne fait pas partie des collectivités de ce SPASER\u00a0: retirez la mention ou choisissez une personne de la liste.`,
			400,
			{ field: 'body' }
		);
	return found;
}

async function notifyMentions(tx: Tx, comment: SpaserComment, people: Mentioned[], actorId: string) {
	const targets = people.filter((p) => p.id !== actorId);
	if (!targets.length) return;
	const [ctx] = await tx.query<{
		doc_title: string;
		node_title: string | null;
		node_label: string | null;
		author: string | null;
	}>(
		`select s.title as doc_title, n.title as node_title, n.label as node_label,
		        (select display_name from public.users where id = auth.uid()) as author
		   from public.spaser_documents s left join public.spaser_nodes n on n.document_id = s.id and n.node_id = $2
		  where s.id = $1`,
		[comment.document_id, comment.node_id]
	);
	const author = ctx?.author || 'Une personne';
	const where = ctx?.node_title
		? `«\u00a0${[ctx.node_label, ctx.node_title].filter(Boolean).join(' — ')}\u00a0»`
		: 'un élément';
	const url = `${appOrigin()}/spaser/${comment.document_id}?noeud=${comment.node_id}#commentaire-${comment.id}`;
	for (const p of targets) {
		const { text, html } = renderEmail({
			greeting: `Bonjour ${p.display_name},`,
			paragraphs: [
				`${author} vous a mentionné·e dans un commentaire sur ${where} du SPASER «\u00a0${ctx?.doc_title ?? ''}\u00a0»\u00a0:`,
				`«\u00a0${bodyToText(comment.body)}\u00a0»`
			],
			action: { label: 'Voir le commentaire', url }
		});
		await enqueueEmail(tx, {
			to: p.email,
			subject: `${author} vous a mentionné·e dans «\u00a0${ctx?.doc_title ?? 'un SPASER'}\u00a0»`,
			text,
			html,
			kind: 'spaser_mention'
		});
	}
}

/** A passage sent by a browser, validated (bounded base64 that decodes to Yjs relative positions), or a French 400. */
export function parseAnchor(raw: unknown): CommentAnchor | null {
	if (raw === null || raw === undefined) return null;
	const r = commentAnchorSchema.safeParse(raw);
	if (!r.success) {
		// messages of the schema are French; zod's own (wrong type, missing field) are not shown
		const issue = r.error.issues[0];
		const message =
			issue?.code === 'custom' || issue?.code === 'too_big' || issue?.code === 'too_small'
				? issue.message
				: 'Le passage commenté est mal indiqué : sélectionnez-le à nouveau dans le texte.';
		throw new AppError('invalid', message, 400, { field: 'anchor' });
	}
	return r.data;
}

/**
 * Adds a comment on a node (a new thread), or a reply when `threadId` is given (any comment of the thread).
 * A new thread may be about a passage of the node's text (`anchor`); a reply belongs to its thread's passage.
 * Mentioned members are e-mailed in the same transaction.
 */
export async function addComment(
	db: Database,
	actor: Actor,
	documentId: string,
	nodeId: string,
	body: string,
	threadId?: string | null,
	anchorInput?: unknown
): Promise<SpaserComment> {
	const text = cleanBody(body);
	const anchor = threadId ? null : parseAnchor(anchorInput);
	if (!isUuid(documentId)) throw notFound('Ce SPASER');
	if (!isUuid(nodeId)) throw notFound('Cet élément du SPASER');
	const comment = await guard(
		withUser(db, actor, async (tx) => {
			const [acc] = await tx.query<{ access: string | null }>('select app.spaser_access($1) as access', [documentId]);
			if (!acc?.access) throw notFound('Ce SPASER');
			let root: string | null = null;
			let node = nodeId;
			if (threadId) {
				const parent = await loadComment(tx, threadId).catch(() => null);
				if (!parent || parent.document_id !== documentId) throw notFound('Cette discussion');
				root = parent.thread_id ?? parent.id;
				node = parent.node_id;
			}
			const mentions = parseMentions(text);
			const people = await resolveMentions(tx, documentId, mentions);
			const [row] = await tx.query<{ id: string }>(
				`insert into public.spaser_comments (document_id, node_id, thread_id, body, mentions, author_id, anchor_start, anchor_end, quote)
				 values ($1, $2, $3, $4, $5::uuid[], auth.uid(), $6, $7, $8) returning id`,
				[
					documentId,
					node,
					root,
					text,
					people.map((p) => p.id),
					anchor?.start ?? null,
					anchor?.end ?? null,
					anchor?.quote ?? null
				]
			);
			const comment = await loadComment(tx, row.id);
			await notifyMentions(tx, comment, people, actor.id);
			return comment;
		})
	);
	announceLocally(db, documentId);
	return comment;
}

/** Threads of a whole SPASER or of one node, oldest first; comments inside a thread oldest first. */
export async function listComments(
	db: Database,
	actor: Actor,
	documentId: string,
	nodeId?: string | null
): Promise<CommentThread[]> {
	if (!isUuid(documentId) || (nodeId && !isUuid(nodeId))) return [];
	const rows = await withUser(db, actor, (tx) =>
		tx.query<SpaserComment>(
			`select ${COMMENT_COLUMNS} from ${COMMENT_FROM}
			  where c.document_id = $1 and ($2::uuid is null or c.node_id = $2::uuid)
			  order by c.created_at, c.id`,
			[documentId, nodeId ?? null]
		)
	);
	const threads = new Map<string, CommentThread>();
	for (const raw of rows) {
		const c = normalize(raw);
		if (!c.thread_id)
			threads.set(c.id, {
				id: c.id,
				node_id: c.node_id,
				resolved_at: c.resolved_at,
				resolved_by: c.resolved_by,
				resolved_by_name: c.resolved_by_name,
				anchor:
					c.anchor_start && c.anchor_end && c.quote
						? { start: c.anchor_start, end: c.anchor_end, quote: c.quote }
						: null,
				comments: [c]
			});
	}
	for (const raw of rows) {
		const c = normalize(raw);
		if (c.thread_id) threads.get(c.thread_id)?.comments.push(c);
	}
	return [...threads.values()];
}

/** Threads as the page shows them: each comment's body also split into text and mentions. */
export function threadsForDisplay(threads: CommentThread[]) {
	return threads.map((t) => ({ ...t, comments: t.comments.map((c) => ({ ...c, segments: bodySegments(c.body) })) }));
}

async function setResolved(db: Database, actor: Actor, commentId: string, resolved: boolean): Promise<SpaserComment> {
	return announced(
		db,
		withUser(db, actor, async (tx) => {
			const c = await loadComment(tx, commentId);
			const root = c.thread_id ?? c.id;
			await tx.query(
				resolved
					? 'update public.spaser_comments set resolved_at = coalesce(resolved_at, now()), resolved_by = coalesce(resolved_by, auth.uid()) where id = $1'
					: 'update public.spaser_comments set resolved_at = null, resolved_by = null where id = $1',
				[root]
			);
			return loadComment(tx, root);
		})
	);
}

/** Runs a write on an existing comment, then tells the SPASER's live viewers (see comments-live.ts). */
async function announced<T extends { document_id: string }>(db: Database, p: Promise<T>): Promise<T> {
	const r = await guard(p);
	announceLocally(db, r.document_id);
	return r;
}

/** Marks the thread of this comment as resolved (anyone who can read the SPASER). Returns the thread's first comment. */
export function resolveThread(db: Database, actor: Actor, commentId: string) {
	return setResolved(db, actor, commentId, true);
}

export function reopenThread(db: Database, actor: Actor, commentId: string) {
	return setResolved(db, actor, commentId, false);
}

/** Edits one's own comment; people newly mentioned are e-mailed. */
export async function editComment(db: Database, actor: Actor, commentId: string, body: string): Promise<SpaserComment> {
	const text = cleanBody(body);
	return announced(
		db,
		withUser(db, actor, async (tx) => {
			const c = await loadComment(tx, commentId);
			if (c.author_id !== actor.id) throw forbidden('Vous ne pouvez modifier que vos propres commentaires.');
			const people = await resolveMentions(tx, c.document_id, parseMentions(text));
			await tx.query(
				'update public.spaser_comments set body = $2, mentions = $3::uuid[], edited_at = now() where id = $1',
				[commentId, text, people.map((p) => p.id)]
			);
			const updated = await loadComment(tx, commentId);
			await notifyMentions(
				tx,
				updated,
				people.filter((p) => !c.mentions.includes(p.id)),
				actor.id
			);
			return updated;
		})
	);
}

/** Deletes one's own comment. The first comment of a thread that has replies stays (edit it or resolve the thread). */
export async function deleteComment(db: Database, actor: Actor, commentId: string): Promise<void> {
	await announced(
		db,
		withUser(db, actor, async (tx) => {
			const c = await loadComment(tx, commentId);
			if (c.author_id !== actor.id) throw forbidden('Vous ne pouvez supprimer que vos propres commentaires.');
			if (!c.thread_id) {
				const replies = await tx.query('select 1 from public.spaser_comments where thread_id = $1 limit 1', [c.id]);
				if (replies.length)
					throw new AppError(
						'has_replies',
						'Ce commentaire a reçu des réponses\u00a0: vous pouvez le modifier ou résoudre la discussion, mais pas le supprimer.',
						409
					);
			}
			const rows = await tx.query('delete from public.spaser_comments where id = $1 returning id', [commentId]);
			if (!rows.length) throw forbidden('Vous ne pouvez supprimer que vos propres commentaires.');
			return c;
		})
	);
}
