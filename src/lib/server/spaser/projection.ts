// Relational projection of a SPASER Y.Doc: spaser_nodes and spaser_targets, rewritten after changes (debounced)
// so that search, benchmarks and exports read SQL through row-level security.
import type * as Y from 'yjs';
import { asService, type Database } from '../db';
import { log } from '$lib/server/kit/log';
import { richToText } from '../../spaser/rich';
import { readTree } from '../../spaser/ydoc';
import { cleanStrings } from '../input-guard';
import { isUuid } from '$lib/server/kit/ids';

export interface ProjectionResult {
	/** false when the document no longer exists (nothing written). */
	written: boolean;
	nodes: number;
	targets: number;
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const int = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) ? v : null);

/**
 * Rewrites the projection of one document from its Y.Doc, in one service-role transaction: positions follow the
 * document order, numbers and labels the SPASER's numbering. Nodes whose id is not a UUID are skipped.
 */
export async function projectDocument(db: Database, documentId: string, doc: Y.Doc): Promise<ProjectionResult> {
	const tree = readTree(doc, { withBody: true }).filter((n) => isUuid(n.id));
	// Cleaned: a NUL or a lone surrogate stored before the collaboration server refused them (PostgreSQL refuses
	// them in text) never blocks the projection.
	const nodes = cleanStrings(
		tree.map((n, position) => ({
			node_id: n.id,
			parent_id: n.parentId && isUuid(n.parentId) ? n.parentId : null,
			position,
			depth: n.depth,
			number: n.number,
			label: n.label,
			level_name: n.levelName,
			title: n.title,
			body_text: richToText(n.body),
			body_json: n.body,
			kind: n.kind,
			status: n.status,
			pilot: n.pilot,
			resources: n.resources.map(String),
			tools: n.tools.map(String),
			links: n.links.map(String)
		}))
	);
	const seen = new Set<string>();
	const targets = cleanStrings(
		tree.flatMap((n) =>
			n.targets
				.filter(
					(t) => t && typeof t.id === 'string' && t.id && !seen.has(`${n.id}/${t.id}`) && seen.add(`${n.id}/${t.id}`)
				)
				.map((t) => ({
					node_id: n.id,
					target_id: t.id,
					indicator_code: t.indicatorCode || null,
					label: String(t.label ?? ''),
					unit: String(t.unit ?? ''),
					value: num(t.value),
					year: int(t.year),
					milestones: Array.isArray(t.milestones)
						? t.milestones.filter((m) => int(m?.year) !== null && num(m?.value) !== null)
						: [],
					baseline_year: int(t.baselineYear),
					relative: !!t.relative,
					threshold_eur_ht: num(t.thresholdEurHt),
					scope: String(t.scope ?? '')
				}))
		)
	);
	return asService(db, 'spaser projection', async (tx) => {
		// locks the document row: concurrent projections of one document run one after the other
		const doc = await tx.query('update public.spaser_documents set projected_at = now() where id = $1 returning id', [
			documentId
		]);
		if (!doc.length) return { written: false, nodes: 0, targets: 0 };
		await tx.query('delete from public.spaser_targets where document_id = $1', [documentId]);
		await tx.query('delete from public.spaser_nodes where document_id = $1', [documentId]);
		if (nodes.length)
			await tx.query(
				`insert into public.spaser_nodes (document_id, node_id, parent_id, position, depth, number, label, level_name, title,
				   body_text, body_json, kind, status, pilot, resources, tools, links)
				 select $1, x.node_id, x.parent_id, x.position, x.depth, x.number, x.label, x.level_name, x.title,
				        x.body_text, coalesce(x.body_json, '[]'::jsonb), x.kind, x.status, x.pilot,
				        coalesce(x.resources, '{}'), coalesce(x.tools, '{}'), coalesce(x.links, '{}')
				   from jsonb_to_recordset($2::text::jsonb) as x(node_id uuid, parent_id uuid, position integer, depth integer, number text,
				        label text, level_name text, title text, body_text text, body_json jsonb, kind text, status text, pilot text,
				        resources text[], tools text[], links text[])`,
				[documentId, JSON.stringify(nodes)]
			);
		if (targets.length)
			await tx.query(
				`insert into public.spaser_targets (document_id, node_id, target_id, indicator_code, label, unit, value, year, milestones,
				   baseline_year, relative, threshold_eur_ht, scope)
				 select $1, x.node_id, x.target_id, x.indicator_code, x.label, x.unit, x.value, x.year, coalesce(x.milestones, '[]'::jsonb),
				        x.baseline_year, x.relative, x.threshold_eur_ht, x.scope
				   from jsonb_to_recordset($2::text::jsonb) as x(node_id uuid, target_id text, indicator_code text, label text, unit text,
				        value numeric, year integer, milestones jsonb, baseline_year integer, relative boolean, threshold_eur_ht numeric, scope text)`,
				[documentId, JSON.stringify(targets)]
			);
		return { written: true, nodes: nodes.length, targets: targets.length };
	});
}

export interface ProjectionScheduler {
	/** Call on every change of the document: the projection runs `delayMs` after the last call (or `maxWaitMs` after the first). */
	schedule(documentId: string): void;
	/** Runs pending projections now (one document, or all); resolves when they are written. */
	flush(documentId?: string): Promise<void>;
	/** Drops a pending projection (e.g. the document was deleted). */
	cancel(documentId: string): void;
	/** Documents waiting for a projection. */
	pending(): string[];
	/** Flushes everything and stops accepting work. */
	close(): Promise<void>;
}

/**
 * Debounced projection per document, for the collaboration server. `getDoc` returns the live Y.Doc (or
 * undefined when it is no longer loaded: the projection is then skipped, the last one stays). Runs for one
 * document never overlap; errors are logged, never thrown at the caller.
 */
export function createProjectionScheduler(
	db: Database,
	getDoc: (documentId: string) => Y.Doc | undefined | null | Promise<Y.Doc | undefined | null>,
	delayMs = 2000,
	opts: { maxWaitMs?: number; onProjected?: (documentId: string, result: ProjectionResult) => void } = {}
): ProjectionScheduler {
	const maxWait = opts.maxWaitMs ?? Math.max(delayMs * 5, 10_000);
	const timers = new Map<string, { timer: ReturnType<typeof setTimeout>; first: number }>();
	const running = new Map<string, Promise<void>>();
	let closed = false;

	const run = (documentId: string): Promise<void> => {
		const pendingTimer = timers.get(documentId);
		if (pendingTimer) clearTimeout(pendingTimer.timer);
		timers.delete(documentId);
		const prev = running.get(documentId) ?? Promise.resolve();
		const next = prev.then(async () => {
			try {
				const doc = await getDoc(documentId);
				if (!doc) return;
				const result = await projectDocument(db, documentId, doc);
				opts.onProjected?.(documentId, result);
			} catch (e) {
				log.error('spaser projection failed', { documentId, error: e instanceof Error ? e.message : String(e) });
			}
		});
		running.set(documentId, next);
		void next.then(() => {
			if (running.get(documentId) === next) running.delete(documentId);
		});
		return next;
	};

	const api: ProjectionScheduler = {
		schedule(documentId) {
			if (closed) return;
			const now = Date.now();
			const cur = timers.get(documentId);
			const first = cur?.first ?? now;
			if (cur) clearTimeout(cur.timer);
			const wait = Math.max(0, Math.min(delayMs, first + maxWait - now));
			const timer = setTimeout(() => void run(documentId), wait);
			timer.unref?.();
			timers.set(documentId, { timer, first });
		},
		async flush(documentId) {
			const ids = documentId ? [documentId] : [...new Set([...timers.keys(), ...running.keys()])];
			await Promise.all(ids.map((id) => (timers.has(id) ? run(id) : (running.get(id) ?? Promise.resolve()))));
		},
		cancel(documentId) {
			const cur = timers.get(documentId);
			if (cur) clearTimeout(cur.timer);
			timers.delete(documentId);
		},
		pending: () => [...timers.keys()],
		async close() {
			closed = true;
			await api.flush();
		}
	};
	return api;
}
