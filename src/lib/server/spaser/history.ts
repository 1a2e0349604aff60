// The history of one element of a SPASER: who changed what, and when, read from the collaboration log (the
// archive of compacted rows, collab_updates_archive, then the rows not yet compacted, collab_updates), each row
// carrying the user whose connection wrote it. The log is replayed into a fresh Y.Doc and, after each row that
// touched the element, its state is compared with the one before; a person's changes to the element within
// COALESCE_MS of each other form one entry, which keeps the element's state at its end (for « rétablir »).
//
// Access: the reader's right on the document is checked first under their own rights (withUser: RLS and
// app.spaser_access); only then is the log read, as the named service role 'spaser element history'.
// Bounded: at most MAX_ROWS rows and MAX_BYTES bytes are replayed, read in pages of PAGE_ROWS, yielding to the
// event loop between pages, and at most MAX_RUNNING replays run at once (a queue of MAX_WAITING, then 429), so
// that one large document or one insistent reader never holds the server for the other tenants.
import * as Y from 'yjs';
import { z } from 'zod';
import { asService, withUser, type Actor, type Database } from '../db';
import { AppError, guard, notFound } from '$lib/server/kit/errors';
import {
	changesBetween,
	readElementState,
	type ElementHistory,
	type ElementState,
	type HistoryEntry
} from '../../spaser/element-state';

export type { ElementHistory, HistoryEntry };
import { nodesMap } from '../../spaser/ydoc';

const REASON = 'spaser element history';
export const COALESCE_MS = 5 * 60 * 1000;
export const MAX_ROWS = 50_000;
export const MAX_BYTES = 64 * 1024 * 1024;
const PAGE_ROWS = 500;
/** Entries returned, most recent first. */
export const MAX_ENTRIES = 200;

const input = z.object({ documentId: z.string().uuid(), nodeId: z.string().uuid() });

function toBytes(v: unknown): Uint8Array {
	if (v instanceof Uint8Array) return v;
	throw new Error('spaser history: expected a bytea column');
}

const tick = () => new Promise<void>((r) => setImmediate(r));

/** Replays running at once in this process, and waiting: beyond that, a clear 429 rather than a pile-up. */
export const MAX_RUNNING = 2;
export const MAX_WAITING = 16;
let running = 0;
const waiting: (() => void)[] = [];

export async function historySlot<T>(f: () => Promise<T>): Promise<T> {
	if (running >= MAX_RUNNING) {
		if (waiting.length >= MAX_WAITING)
			throw new AppError(
				'rate_limited',
				'Trop de demandes d’historique en ce moment\u00a0: réessayez dans quelques secondes.',
				429
			);
		await new Promise<void>((r) => waiting.push(r));
	} else running++;
	try {
		return await f();
	} finally {
		const next = waiting.shift();
		if (next) next();
		else running--;
	}
}

export async function getElementHistory(
	db: Database,
	actor: Actor,
	documentId: string,
	nodeId: string
): Promise<ElementHistory> {
	const parsed = input.safeParse({ documentId, nodeId });
	if (!parsed.success)
		throw new AppError('invalid', 'Élément inconnu\u00a0: l’adresse de l’historique est incomplète.', 400);
	return guard(
		(async () => {
			const [row] = await withUser(db, actor, (tx) =>
				tx.query<{ access: string | null }>('select app.spaser_access($1) as access', [documentId])
			);
			if (!row?.access) throw notFound('Ce SPASER');
			return historySlot(() => replay(db, documentId, nodeId));
		})()
	);
}

async function replay(db: Database, documentId: string, nodeId: string): Promise<ElementHistory> {
	const doc = new Y.Doc();
	const nodes = nodesMap(doc);
	let touched: boolean;
	doc.on('afterTransaction', (tr: Y.Transaction) => {
		const m = nodes.get(nodeId);
		// eslint-disable-next-line @typescript-eslint/no-explicit-any
		type AnyType = Y.AbstractType<any>;
		if (
			(m && tr.changedParentTypes.has(m as unknown as AnyType)) ||
			tr.changed.get(nodes as unknown as AnyType)?.has(nodeId)
		)
			touched = true;
	});
	const entries: (HistoryEntry & { at: number })[] = [];
	let prev: ElementState | null = null;
	let rows = 0;
	let bytes = 0;
	let after = -1;
	let complete = true;
	try {
		for (;;) {
			const page = await asService(db, REASON, (tx) =>
				tx.query<{ seq: number; update: unknown; user_id: string | null; created_at: Date }>(
					`select seq, update, user_id, created_at from (
					   select seq, update, user_id, created_at from public.collab_updates_archive where doc_id = $1 and seq > $2
					   union all
					   select seq, update, user_id, created_at from public.collab_updates where doc_id = $1 and seq > $2) r
					 order by seq limit ${PAGE_ROWS}`,
					[documentId, after]
				)
			);
			for (const r of page) {
				const u = toBytes(r.update);
				rows++;
				bytes += u.byteLength;
				if (rows > MAX_ROWS || bytes > MAX_BYTES) {
					complete = false;
					break;
				}
				after = Number(r.seq);
				touched = false;
				Y.applyUpdate(doc, u);
				if (!touched) continue;
				const state = readElementState(doc, nodeId);
				// the archive's base (seq 0) is where the history starts, not a change by anyone
				if (Number(r.seq) === 0) {
					prev = state;
					continue;
				}
				const changes = changesBetween(prev, state);
				prev = state;
				if (!changes.length || !state) continue;
				const at = new Date(r.created_at).getTime();
				const last = entries.at(-1);
				if (last && last.userId === (r.user_id ?? null) && at - last.at <= COALESCE_MS) {
					for (const c of changes) if (!last.changes.includes(c)) last.changes.push(c);
					last.at = at;
					last.to = new Date(at).toISOString();
					last.state = state;
				} else
					entries.push({
						userId: r.user_id ?? null,
						userName: null,
						at,
						from: new Date(at).toISOString(),
						to: new Date(at).toISOString(),
						changes,
						state
					});
			}
			if (!complete || page.length < PAGE_ROWS) break;
			await tick();
		}
	} finally {
		doc.destroy();
	}
	const recent = entries.slice(-MAX_ENTRIES).reverse();
	const ids = [...new Set(recent.map((e) => e.userId).filter((x): x is string => !!x))];
	const names = new Map<string, string>();
	if (ids.length) {
		const users = await asService(db, REASON, (tx) =>
			tx.query<{ id: string; display_name: string }>(
				'select id, display_name from public.users where id = any($1::uuid[])',
				[ids]
			)
		);
		for (const u of users) names.set(u.id, u.display_name);
	}
	return {
		nodeId,
		complete,
		entries: recent.map(({ at: _at, ...e }) => ({
			...e,
			userName: e.userId ? (names.get(e.userId) ?? 'Compte supprimé') : null
		}))
	};
}
