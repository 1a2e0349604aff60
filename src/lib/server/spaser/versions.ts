// Versions of a SPASER: automatic snapshots (at most hourly), named versions, bilans, restores, publication.
// A version stores the Yjs state (Y.encodeStateAsUpdate) and the exported content (DocContent JSON).
import * as Y from 'yjs';
import { asService, withUser, type Actor, type Database, type Tx } from '../db';
import { AppError, forbidden, notFound, guard } from '$lib/server/kit/errors';
import { outlineContent, parseDocContent } from '../../spaser/content-schema';
import { compareContents, type ContentComparison } from '../../spaser/diff';
import type { PlainNode } from '../../spaser/model';
import { writeNodeContent } from '../../spaser/element-state';
import { cleanContent } from './live';
import {
	addNode,
	clearDeleted,
	isDeleted,
	markDeleted,
	nodesMap,
	writeSettings,
	type DocContent
} from '../../spaser/ydoc';
import { isUuid } from '$lib/server/kit/ids';

export type VersionKind = 'auto' | 'named' | 'imported' | 'restored' | 'bilan';

export const VERSION_KINDS: Record<VersionKind, string> = {
	auto: 'Enregistrement automatique',
	named: 'Version nommée',
	imported: 'Import',
	restored: 'Restauration',
	bilan: 'Bilan'
};

export interface VersionMeta {
	id: string;
	document_id: string;
	kind: VersionKind;
	name: string | null;
	created_by: string | null;
	created_by_name: string | null;
	created_at: Date;
	published_at: Date | null;
}

export interface Version extends VersionMeta {
	content: DocContent;
}

const META_COLUMNS = `v.id, v.document_id, v.kind, v.name, v.created_by, u.display_name as created_by_name, v.created_at, v.published_at`;

/** At most one automatic snapshot per document in this interval. */
export const AUTO_SNAPSHOT_INTERVAL_MS = 60 * 60 * 1000;

function cleanName(kind: VersionKind, name: string | null | undefined): string | null {
	const n = (name ?? '').replace(/\s+/g, ' ').trim();
	if (n.length > 300)
		throw new AppError('invalid', 'Le nom de la version est limité à 300 caractères.', 400, { field: 'name' });
	if (!n && (kind === 'named' || kind === 'bilan'))
		throw new AppError(
			'invalid',
			'Donnez un nom à la version, par exemple «\u00a0Version adoptée le 15/12/2025 — délibération n° 2025-12-07\u00a0».',
			400,
			{ field: 'name' }
		);
	return n || null;
}

async function insertVersion(
	tx: Tx,
	documentId: string,
	doc: Y.Doc,
	kind: VersionKind,
	name: string | null
): Promise<VersionMeta> {
	const state = Buffer.from(Y.encodeStateAsUpdate(doc));
	const content = cleanContent(doc);
	const [row] = await tx.query<{ id: string }>(
		`insert into public.spaser_versions (document_id, kind, name, state, content) values ($1, $2, $3, $4, $5::text::jsonb) returning id`,
		[documentId, kind, name, state, JSON.stringify(content)]
	);
	const [meta] = await tx.query<VersionMeta>(
		`select ${META_COLUMNS} from public.spaser_versions v left join public.users u on u.id = v.created_by where v.id = $1`,
		[row.id]
	);
	return meta;
}

async function requireWrite(tx: Tx, documentId: string) {
	const [row] = await tx.query<{ access: string | null }>('select app.spaser_access($1) as access', [documentId]);
	if (!row?.access) throw notFound('Ce SPASER');
	if (row.access !== 'write')
		throw forbidden(
			'Seuls les administrateurs et rédacteurs des collectivités du SPASER peuvent enregistrer ou publier des versions.'
		);
}

/** A named version, a bilan, or the record of a restore, by a user who can write the SPASER. */
export async function createVersion(
	db: Database,
	actor: Actor,
	documentId: string,
	doc: Y.Doc,
	opts: { kind: 'named' | 'restored' | 'bilan'; name?: string | null }
): Promise<VersionMeta> {
	if (!isUuid(documentId)) throw notFound('Ce SPASER');
	const name = cleanName(opts.kind, opts.name);
	return guard(
		withUser(db, actor, async (tx) => {
			await requireWrite(tx, documentId);
			return insertVersion(tx, documentId, doc, opts.kind, name);
		})
	);
}

/**
 * For the collaboration server, while a document is edited: stores an 'auto' snapshot unless one was taken in the
 * last hour or nothing changed since the latest version. Returns the new version, or null.
 */
export async function maybeAutoSnapshot(
	db: Database,
	documentId: string,
	doc: Y.Doc,
	opts: { intervalMs?: number } = {}
): Promise<VersionMeta | null> {
	const interval = opts.intervalMs ?? AUTO_SNAPSHOT_INTERVAL_MS;
	return asService(db, 'spaser auto snapshot', async (tx) => {
		// serialises concurrent calls for one document
		const exists = await tx.query('select id from public.spaser_documents where id = $1 for update', [documentId]);
		if (!exists.length) return null;
		const [recent] = await tx.query<{ id: string }>(
			`select id from public.spaser_versions where document_id = $1 and kind = 'auto'
			  and created_at > now() - make_interval(secs => $2::double precision) limit 1`,
			[documentId, interval / 1000]
		);
		if (recent) return null;
		const [latest] = await tx.query<{ content: DocContent }>(
			'select content from public.spaser_versions where document_id = $1 order by created_at desc limit 1',
			[documentId]
		);
		if (latest && compareContents(latest.content, cleanContent(doc)).identical) return null;
		return insertVersion(tx, documentId, doc, 'auto', null);
	});
}

/** Versions of a SPASER, newest first (without their content). */
export async function listVersions(db: Database, actor: Actor, documentId: string): Promise<VersionMeta[]> {
	if (!isUuid(documentId)) return [];
	return withUser(db, actor, (tx) =>
		tx.query<VersionMeta>(
			`select ${META_COLUMNS} from public.spaser_versions v left join public.users u on u.id = v.created_by
			  where v.document_id = $1 order by v.created_at desc, v.id`,
			[documentId]
		)
	);
}

async function loadVersion(tx: Tx, versionId: string): Promise<Version> {
	if (!isUuid(versionId)) throw notFound('Cette version');
	const [v] = await tx.query<Version>(
		`select ${META_COLUMNS}, v.content from public.spaser_versions v left join public.users u on u.id = v.created_by where v.id = $1`,
		[versionId]
	);
	if (!v) throw notFound('Cette version');
	return v;
}

/** One version with its content. */
export async function getVersion(db: Database, actor: Actor, versionId: string): Promise<Version> {
	return withUser(db, actor, (tx) => loadVersion(tx, versionId));
}

/** The Yjs state of a version (to open it in a read-only editor). */
export async function getVersionState(db: Database, actor: Actor, versionId: string): Promise<Uint8Array> {
	if (!isUuid(versionId)) throw notFound('Cette version');
	const [row] = await withUser(db, actor, (tx) =>
		tx.query<{ state: Uint8Array }>('select state from public.spaser_versions where id = $1', [versionId])
	);
	if (!row) throw notFound('Cette version');
	return new Uint8Array(row.state);
}

/** Compares version A (before) with version B (after) of one SPASER. */
export async function compareVersions(
	db: Database,
	actor: Actor,
	idA: string,
	idB: string
): Promise<{ a: VersionMeta; b: VersionMeta; comparison: ContentComparison }> {
	return withUser(db, actor, async (tx) => {
		const { content: ca, ...a } = await loadVersion(tx, idA);
		const { content: cb, ...b } = await loadVersion(tx, idB);
		if (a.document_id !== b.document_id)
			throw new AppError('invalid', 'Les deux versions doivent appartenir au même SPASER.', 400);
		return { a, b, comparison: compareContents(ca, cb) };
	});
}

// ---------------------------------------------------------------------------------------------------------
// Restore
// ---------------------------------------------------------------------------------------------------------

function syncNode(m: Y.Map<unknown>, n: PlainNode) {
	clearDeleted(m);
	if ((m.get('parentId') ?? null) !== n.parentId) m.set('parentId', n.parentId);
	if (m.get('order') !== n.order) m.set('order', n.order);
	writeNodeContent(m, n);
}

/**
 * Rewrites the live document so that its content equals `content`, as one new change (origin 'restore'):
 * nodes absent from `content` go to the Corbeille (soft delete), others are updated in place or re-created with their ids.
 * Nothing is lost: the previous state is whatever the caller saved (restoreVersion saves it as a version).
 */
export function restoreInto(doc: Y.Doc, content: DocContent) {
	const parsed = parseDocContent(content);
	if (!parsed.ok)
		throw new AppError('invalid', `Ce contenu ne peut pas être restauré\u00a0: ${parsed.issues[0].message}`, 400);
	// parents before children, so that depth checks see final ancestors
	const { order } = outlineContent(parsed.value);
	doc.transact(() => {
		writeSettings(doc, parsed.value.settings);
		const map = nodesMap(doc);
		const wanted = new Set(order.map((n) => n.id));
		// what the version does not hold goes to the Corbeille (the top of each such subtree), never erased
		for (const [id, m] of [...map.entries()]) {
			if (wanted.has(id)) continue;
			if (!(m instanceof Y.Map)) map.delete(id);
			else if (!isDeleted(m)) {
				const parentId = (m.get('parentId') as string | null) ?? null;
				if (!parentId || wanted.has(parentId) || !map.has(parentId)) markDeleted(m, null);
			}
		}
		for (const n of order) {
			const m = map.get(n.id);
			if (m instanceof Y.Map) syncNode(m, n);
			else {
				if (m !== undefined) map.delete(n.id);
				addNode(doc, { ...n, parentId: n.parentId, order: n.order });
			}
		}
	}, 'restore');
}

const frDate = (d: Date) =>
	new Intl.DateTimeFormat('fr-FR', { dateStyle: 'short', timeStyle: 'short', timeZone: 'Europe/Paris' }).format(d);

/**
 * Restores a version into the live document as a new change: saves the current state as a named version,
 * rewrites the document, then records a 'restored' version. Returns both versions.
 */
export async function restoreVersion(
	db: Database,
	actor: Actor,
	documentId: string,
	doc: Y.Doc,
	versionId: string
): Promise<{ before: VersionMeta; restored: VersionMeta }> {
	return guard(
		withUser(db, actor, async (tx) => {
			const v = await loadVersion(tx, versionId);
			if (v.document_id !== documentId) throw notFound('Cette version');
			await requireWrite(tx, documentId);
			const label = v.name ? `«\u00a0${v.name}\u00a0»` : `du ${frDate(new Date(v.created_at))}`;
			const before = await insertVersion(
				tx,
				documentId,
				doc,
				'named',
				`État avant la restauration de la version ${label}`.slice(0, 300)
			);
			restoreInto(doc, v.content);
			const restored = await insertVersion(
				tx,
				documentId,
				doc,
				'restored',
				`Restauration de la version ${label}`.slice(0, 300)
			);
			return { before, restored };
		})
	);
}

// ---------------------------------------------------------------------------------------------------------
// Publication
// ---------------------------------------------------------------------------------------------------------

async function setPublished(
	db: Database,
	actor: Actor,
	versionId: string,
	publish: boolean,
	documentId?: string
): Promise<VersionMeta> {
	return guard(
		withUser(db, actor, async (tx) => {
			const v = await loadVersion(tx, versionId);
			// From a SPASER's page, only its own versions (an id of another SPASER would publish on another page).
			if (documentId !== undefined && v.document_id !== documentId) throw notFound('Cette version');
			await requireWrite(tx, v.document_id);
			if (publish) {
				const [d] = await tx.query<{ status: string }>('select status from public.spaser_documents where id = $1', [
					v.document_id
				]);
				if (d?.status !== 'adopte')
					throw new AppError(
						'not_adopted',
						'Seul un SPASER adopté peut être publié\u00a0: enregistrez d’abord son adoption (date et référence de la délibération).',
						409
					);
			}
			await tx.query(
				`update public.spaser_versions set published_at = ${publish ? 'coalesce(published_at, now())' : 'null'} where id = $1`,
				[versionId]
			);
			const { content: _c, ...meta } = await loadVersion(tx, versionId);
			return meta;
		})
	);
}

/** Publishes a version of an adopted SPASER on its public page (art. L2111-3: the schéma is made public). */
export function publishVersion(db: Database, actor: Actor, versionId: string, documentId?: string) {
	return setPublished(db, actor, versionId, true, documentId);
}

export function unpublishVersion(db: Database, actor: Actor, versionId: string, documentId?: string) {
	return setPublished(db, actor, versionId, false, documentId);
}

export interface PublishedSpaser {
	document_id: string;
	title: string;
	org_name: string;
	period_start: number | null;
	period_end: number | null;
	/** 'YYYY-MM-DD'. */
	adopted_on: string | null;
	deliberation_ref: string | null;
	version_name: string | null;
	published_at: Date;
	content: DocContent;
}

/** The public page /p/<collectivité>/<spaser>: the latest published version, readable by anyone (anon). */
export async function getPublishedSpaser(
	db: Database,
	orgSlug: string,
	docSlug: string
): Promise<PublishedSpaser | null> {
	const [row] = await withUser(db, null, (tx) =>
		tx.query<PublishedSpaser>(
			`select document_id, title, org_name, period_start, period_end, adopted_on::text as adopted_on, deliberation_ref, version_name,
			        published_at, content
			   from app.published_spaser($1, $2) order by published_at desc limit 1`,
			[orgSlug, docSlug]
		)
	);
	return row ?? null;
}
