// Postgres persistence of collaborative documents: an append-only log of Yjs updates per document
// (`collab_updates`, ordered by `seq`) plus one compacted snapshot (`collab_snapshots`). Every access runs as
// the service role through `asService`, named 'collab persistence' (the tables have RLS and no policy).
import * as Y from 'yjs';
import { asService, serviceStatement } from '../db/rls';
import type { Database } from '../db/types';

const REASON = 'collab persistence';

/** The persisted state of one document: snapshot (if any) then the updates after it, in order. */
export interface LoadedDoc {
	snapshot: Uint8Array | null;
	snapshotUptoSeq: number;
	updates: Uint8Array[];
	/** Highest seq known for this document (0 when nothing was ever stored). */
	lastSeq: number;
	/** Bytes of the snapshot plus the pending updates. */
	bytes: number;
}

export interface StoredUpdate {
	seq: number;
	update: Uint8Array;
	userId: string | null;
}

/** Rows per INSERT statement: keeps the parameter count far below the protocol limit (65535). */
const ROWS_PER_STATEMENT = 500;

function toBytes(v: unknown): Uint8Array {
	if (v instanceof Uint8Array) return v;
	throw new Error('collab persistence: expected a bytea column');
}

export async function loadDoc(db: Database, docId: string): Promise<LoadedDoc> {
	// ONE statement, so one snapshot of the data: with several instances a compaction may commit between two
	// reads, and the old snapshot plus the rows left after its delete would miss what it merged.
	const rows = await asService(db, REASON, (tx) =>
		tx.query<{ kind: number; seq: number; data: unknown }>(
			`select 0 as kind, s.upto_seq as seq, s.state as data from public.collab_snapshots s where s.doc_id = $1
			 union all
			 select 1, u.seq, u.update from public.collab_updates u where u.doc_id = $1
			 order by 1, 2`,
			[docId]
		)
	);
	const snap = rows.find((r) => Number(r.kind) === 0);
	const snapshot = snap ? toBytes(snap.data) : null;
	const snapshotUptoSeq = snap ? Number(snap.seq) : 0;
	let lastSeq = snapshotUptoSeq;
	let bytes = snapshot?.byteLength ?? 0;
	const updates: Uint8Array[] = [];
	for (const r of rows) {
		if (Number(r.kind) === 0) continue;
		// Every remaining row is applied, also one numbered below the snapshot's upto_seq: a compaction deletes
		// exactly the rows it merged, so a row that committed late (another instance's) is still here, unmerged.
		const seq = Number(r.seq);
		const u = toBytes(r.data);
		updates.push(u);
		bytes += u.byteLength;
		if (seq > lastSeq) lastSeq = seq;
	}
	return { snapshot, snapshotUptoSeq, updates, lastSeq, bytes };
}

export interface AppendOptions {
	/**
	 * false → `synchronous_commit = off` for this transaction: the commit returns before its WAL record is flushed
	 * to disk. A crash of THIS process still loses nothing (PostgreSQL holds the commit and flushes it within
	 * ~3 × wal_writer_delay); a crash of PostgreSQL or of its machine may lose the last fraction of a second.
	 * Default true (flushed before the update is applied and broadcast).
	 */
	synchronousCommit?: boolean;
	/** pg_notify(channel, payload) in the same transaction: delivered to listeners at commit, never before. */
	notify?: { channel: string; payload: string };
}

/**
 * The same insert, plus `set_config('synchronous_commit', 'off', true)` evaluated inside it: local to the
 * statement's implicit transaction, whose commit is the one it relaxes (and no other query of the pooled
 * connection is affected).
 */
function relaxedInsert(text: string): string {
	const at = text.indexOf(' values ');
	return (
		text.slice(0, at) +
		` select v.* from (values ${text
			.slice(at + ' values '.length)
			.split('($1, ')
			.join('($1::uuid, ')}) as v` +
		` cross join (select set_config('synchronous_commit', 'off', true)) as relaxed`
	);
}

/** Appends updates (already numbered, consecutive) in one transaction. Resolves once committed. */
export async function appendUpdates(
	db: Database,
	docId: string,
	items: readonly StoredUpdate[],
	opts: AppendOptions = {}
): Promise<void> {
	if (items.length === 0) return;
	const statements: { text: string; params: unknown[] }[] = [];
	for (let start = 0; start < items.length; start += ROWS_PER_STATEMENT) {
		const chunk = items.slice(start, start + ROWS_PER_STATEMENT);
		const values: string[] = [];
		const params: unknown[] = [docId];
		for (const it of chunk) {
			params.push(it.seq, it.update, it.userId);
			const n = params.length;
			values.push(`($1, $${n - 2}::bigint, $${n - 1}::bytea, $${n}::uuid)`);
		}
		statements.push({
			text: `insert into public.collab_updates (doc_id, seq, update, user_id) values ${values.join(', ')}`,
			params
		});
	}
	// The usual case (one statement): a single autocommit round trip. With synchronousCommit false, the same
	// statement also runs set_config(…, is_local = true): it lasts for the statement's own implicit transaction,
	// whose commit then does not wait for the WAL flush (a transaction block would cost two more round trips:
	// BEGIN and COMMIT, which made the relaxed mode slower than the durable one).
	if (statements.length === 1) {
		const st = statements[0];
		let text = opts.synchronousCommit === false ? relaxedInsert(st.text) : st.text;
		const params = [...st.params];
		if (opts.notify) {
			// A data-modifying CTE runs to completion even unreferenced; the notification is sent at commit.
			params.push(opts.notify.channel, opts.notify.payload);
			text = `with ins as (${text}) select pg_notify($${params.length - 1}::text, $${params.length}::text)`;
		}
		await serviceStatement(db, REASON, text, params);
		return;
	}
	await asService(db, REASON, async (tx) => {
		// Not awaited alone: postgres.js pipelines it with the insert on the transaction's connection.
		const relaxed =
			opts.synchronousCommit === false
				? tx.query(`select set_config('synchronous_commit', 'off', true)`)
				: Promise.resolve([]);
		const inserts: Promise<unknown>[] = [relaxed, ...statements.map((st) => tx.query(st.text, st.params))];
		if (opts.notify)
			inserts.push(tx.query('select pg_notify($1::text, $2::text)', [opts.notify.channel, opts.notify.payload]));
		// Settle all before failing, so nothing of this transaction is still running when it rolls back.
		const failed = (await Promise.allSettled(inserts)).find((r) => r.status === 'rejected');
		if (failed) throw failed.reason;
	});
}

/**
 * Merges the stored log into the snapshot, from the database alone (never from one instance's memory, which
 * may lack another instance's latest rows): under a per-document lock, reads the snapshot and every update row,
 * merges them, upserts the snapshot and moves exactly the rows it merged to the archive, in one transaction. Returns the
 * snapshot's size and how many rows were merged (0: nothing to do).
 */
export async function compactDoc(
	db: Database,
	docId: string
): Promise<{ bytes: number; merged: number; uptoSeq: number }> {
	return asService(db, REASON, async (tx) => {
		await tx.query(`select pg_advisory_xact_lock(hashtextextended('collab:' || $1::text, 0))`, [docId]);
		const [snap] = await tx.query<{ state: unknown; upto_seq: number }>(
			'select state, upto_seq from public.collab_snapshots where doc_id = $1',
			[docId]
		);
		const rows = await tx.query<{ seq: number; update: unknown }>(
			'select seq, update from public.collab_updates where doc_id = $1 order by seq',
			[docId]
		);
		const prevUpto = snap ? Number(snap.upto_seq) : 0;
		if (rows.length === 0) return { bytes: snap ? toBytes(snap.state).byteLength : 0, merged: 0, uptoSeq: prevUpto };
		const doc = new Y.Doc();
		try {
			Y.transact(doc, () => {
				if (snap) Y.applyUpdate(doc, toBytes(snap.state));
				for (const r of rows) Y.applyUpdate(doc, toBytes(r.update));
			});
			const state = Y.encodeStateAsUpdate(doc);
			const seqs = rows.map((r) => Number(r.seq));
			const uptoSeq = Math.max(prevUpto, ...seqs);
			await tx.query(
				`insert into public.collab_snapshots (doc_id, state, upto_seq, updated_at)
				 values ($1, $2::bytea, $3::bigint, now())
				 on conflict (doc_id) do update set state = excluded.state, upto_seq = excluded.upto_seq, updated_at = excluded.updated_at`,
				[docId, state, uptoSeq]
			);
			// --- history (issue 15): the merged rows move to collab_updates_archive (read by the per-element
			// history, $lib/server/spaser/history), in this same transaction, instead of being erased.
			// The first time, the snapshot as it was (what earlier compactions merged) becomes the archive's base.
			if (snap)
				await tx.query(
					`insert into public.collab_updates_archive (doc_id, seq, update, user_id, created_at)
					 select $1, 0, $2::bytea, null, now() where not exists (select 1 from public.collab_updates_archive where doc_id = $1)`,
					[docId, toBytes(snap.state)]
				);
			await tx.query(
				`with moved as (
				   delete from public.collab_updates where doc_id = $1 and seq >= $2 and seq <= $3 and seq = any($4::bigint[])
				   returning doc_id, seq, update, user_id, created_at)
				 insert into public.collab_updates_archive (doc_id, seq, update, user_id, created_at)
				 select doc_id, seq, update, user_id, created_at from moved on conflict do nothing`,
				[docId, seqs[0], seqs[seqs.length - 1], seqs]
			);
			// --- end history
			return { bytes: state.byteLength, merged: rows.length, uptoSeq };
		} finally {
			doc.destroy();
		}
	});
}

/** The stored rows of one document with seq in [from, to], in order (a relay from another instance). */
export async function readUpdates(
	db: Database,
	docId: string,
	from: number,
	to: number
): Promise<{ seq: number; update: Uint8Array }[]> {
	const rows = await asService(db, REASON, (tx) =>
		tx.query<{ seq: number; update: unknown }>(
			'select seq, update from public.collab_updates where doc_id = $1 and seq between $2 and $3 order by seq',
			[docId, from, to]
		)
	);
	return rows.map((r) => ({ seq: Number(r.seq), update: toBytes(r.update) }));
}

/** The highest seq used for this document (rows and snapshot), to number the next insert after a conflict. */
export async function highestSeq(db: Database, docId: string): Promise<number> {
	const [row] = await asService(db, REASON, (tx) =>
		tx.query<{ n: number }>(
			`select greatest(coalesce((select max(seq) from public.collab_updates where doc_id = $1), 0),
			                 coalesce((select upto_seq from public.collab_snapshots where doc_id = $1), 0))::bigint as n`,
			[docId]
		)
	);
	return Number(row?.n ?? 0);
}
