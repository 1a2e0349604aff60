// Importing an existing SPASER from a DOCX, Markdown or text file: upload → detected structure kept as a draft
// (seen only by its author) → review in the browser → confirmation, which creates a normal co-editable SPASER,
// records an « Importé le … » version and keeps the original file attached to it. Everything runs as the user:
// row-level security on spaser_imports and spaser_versions decides who may do what.
import * as Y from 'yjs';
import { withUser, type Actor, type Database, type Tx } from '../db';
import { AppError, forbidden, notFound, guard } from '$lib/server/kit/errors';
import type { DropReason, ImportResult } from '../../spaser/import/detect';
import { parseReviewState, reviewFromResult, type ReviewIssue, type ReviewState } from '../../spaser/import/review';
import { importContent, type DocContent } from '../../spaser/ydoc';
import { createSpaserRecord, getSpaserDocument, type SpaserDocument } from './documents';
import { analyseSource, readImportFile, readPastedText, type ImportFileKind, type ImportSource } from './import-file';
import { changeLiveDoc, cleanContent } from './live';
import { projectDocument } from './projection';
import { isUuid } from '$lib/server/kit/ids';

/** Drafts nobody confirmed are removed after this long (when their author starts another import). */
const DRAFT_TTL_DAYS = 7;

export interface DroppedSummary {
	reason: DropReason;
	label: string;
	count: number;
	examples: string[];
}

export interface ImportAnalysis {
	state: ReviewState;
	dropped: DroppedSummary[];
	warnings: string[];
	/** A title and a period read from the document's first lines, to prefill the form. */
	suggested: { title: string; periodStart: number | null; periodEnd: number | null };
}

export interface ImportDraft extends ImportAnalysis {
	id: string;
	org_id: string;
	file_name: string;
	kind: ImportFileKind;
	size: number;
	created_at: Date;
}

export interface ImportedFile {
	id: string;
	document_id: string;
	file_name: string;
	kind: ImportFileKind;
	mime: string;
	size: number;
	imported_at: Date;
	created_by_name: string | null;
}

const DROP_LABELS: Record<DropReason, string> = {
	toc: 'Sommaire',
	page_number: 'Numéros de page',
	repeated_header: 'En-têtes répétés',
	heading_label: 'Mots de niveau et numéros («\u00a0AXE\u00a01\u00a0», «\u00a0CHANTIER\u00a03\u00a0:\u00a0»)',
	markup: 'Puces, pictogrammes et balises'
};

function summariseDropped(result: ImportResult): DroppedSummary[] {
	const by = new Map<DropReason, DroppedSummary>();
	for (const d of result.dropped) {
		let s = by.get(d.reason);
		if (!s) by.set(d.reason, (s = { reason: d.reason, label: DROP_LABELS[d.reason], count: 0, examples: [] }));
		s.count++;
		if (s.examples.length < 5 && d.text.trim().length > 1 && !s.examples.includes(d.text.trim()))
			s.examples.push(d.text.trim().slice(0, 120));
	}
	return [...by.values()];
}

function suggest(source: ImportSource, fileName: string): ImportAnalysis['suggested'] {
	const head = source.text.slice(0, 4000);
	const years = [...head.matchAll(/\b(20\d\d)\s*[-–—/à]+\s*(20\d\d)\b/g)].map(
		(m) => [Number(m[1]), Number(m[2])] as const
	);
	const period = years.find(([a, b]) => b >= a && b - a <= 10) ?? null;
	const base = fileName
		.replace(/\.[a-z0-9]+$/i, '')
		.replace(/[_]+/g, ' ')
		.trim();
	const title = period ? `SPASER ${period[0]}-${period[1]}` : base.length >= 2 ? base.slice(0, 300) : 'SPASER importé';
	return { title, periodStart: period?.[0] ?? null, periodEnd: period?.[1] ?? null };
}

/** Reads and analyses a file or pasted text without storing anything (the API's dry run, the tests). */
export async function analyseImport(input: {
	bytes?: Uint8Array;
	text?: string;
	fileName: string;
	/** The user's id: shares the file worker pool fairly between users. */
	owner?: string;
}): Promise<ImportAnalysis & { source: ImportSource }> {
	const source = input.bytes
		? await readImportFile(input.bytes, input.fileName, input.owner)
		: readPastedText(input.text ?? '');
	const result = await analyseSource(source, input.owner);
	return {
		source,
		state: reviewFromResult(result),
		dropped: summariseDropped(result),
		warnings: source.warnings,
		suggested: suggest(source, input.fileName)
	};
}

/**
 * The API's dry run: only for someone who may import a SPASER somewhere (admin or editor of at least one
 * collectivité), checked before the file is read — otherwise any account could keep the file workers busy.
 */
export async function previewImport(
	db: Database,
	actor: Actor,
	input: { bytes?: Uint8Array; text?: string; fileName: string }
): Promise<ImportAnalysis & { source: ImportSource }> {
	const [row] = await guard(
		withUser(db, actor, (tx) =>
			tx.query<{ ok: boolean }>(
				`select exists (select 1 from public.organisation_members m where m.user_id = auth.uid() and app.has_org_role(m.org_id, array['admin', 'editor'])) as ok`
			)
		)
	);
	if (!row?.ok)
		throw forbidden(
			"Seuls les administrateurs et rédacteurs d'une collectivité peuvent analyser un SPASER à importer."
		);
	return analyseImport({ ...input, owner: actor.id });
}

function cleanFileName(name: string, kind: ImportFileKind): string {
	const n = name
		// eslint-disable-next-line no-control-regex -- control characters are what a file name must not keep
		.replace(/[\u0000-\u001f\u007f/\\]+/g, ' ')
		.replace(/\s+/g, ' ')
		.trim()
		.slice(0, 200);
	return n || `spaser-colle.${kind}`;
}

/**
 * Stores an uploaded file (or pasted text, kept as a .txt) and its detected structure as a draft of the user,
 * for the collectivité that will lead the SPASER. The user must be its admin or editor.
 */
export async function createImportDraft(
	db: Database,
	actor: Actor,
	orgId: string,
	input: { bytes?: Uint8Array; text?: string; fileName: string }
): Promise<ImportDraft> {
	if (!isUuid(orgId)) throw notFound('Cette collectivité');
	// The right first: nobody makes the server read a file for a collectivité where they may not import.
	await guard(withUser(db, actor, (tx) => requireImporter(tx, orgId)));
	const analysis = await analyseImport({ ...input, owner: actor.id });
	const { source } = analysis;
	const bytes = input.bytes ?? new TextEncoder().encode(source.text);
	const fileName = cleanFileName(input.bytes ? input.fileName : input.fileName || 'texte-colle.txt', source.kind);
	return guard(
		withUser(db, actor, async (tx) => {
			await requireImporter(tx, orgId);
			await tx.query(
				`delete from public.spaser_imports where created_by = auth.uid() and document_id is null and created_at < now() - make_interval(days => $1)`,
				[DRAFT_TTL_DAYS]
			);
			const review = {
				state: analysis.state,
				dropped: analysis.dropped,
				warnings: analysis.warnings,
				suggested: analysis.suggested
			};
			const [row] = await tx.query<{ id: string }>(
				`insert into public.spaser_imports (org_id, file_name, kind, mime, size, content, review)
				 values ($1, $2, $3, $4, $5, $6, $7::text::jsonb) returning id`,
				[orgId, fileName, source.kind, source.mime, bytes.byteLength, Buffer.from(bytes), JSON.stringify(review)]
			);
			return loadDraft(tx, row.id);
		})
	);
}

async function requireImporter(tx: Tx, orgId: string): Promise<void> {
	const [role] = await tx.query<{ ok: boolean }>(`select app.has_org_role($1, array['admin', 'editor']) as ok`, [
		orgId
	]);
	if (!role?.ok)
		throw forbidden('Seuls les administrateurs et rédacteurs de la collectivité peuvent importer un SPASER.');
}

interface DraftRow {
	id: string;
	org_id: string;
	document_id: string | null;
	file_name: string;
	kind: ImportFileKind;
	size: number;
	created_at: Date;
	review: Omit<ImportAnalysis, never> | null;
}

async function loadDraft(tx: Tx, id: string): Promise<ImportDraft> {
	if (!isUuid(id)) throw notFound('Cet import');
	const [row] = await tx.query<DraftRow>(
		`select id, org_id, document_id, file_name, kind, size, created_at, review from public.spaser_imports where id = $1 and document_id is null`,
		[id]
	);
	if (!row || !row.review) throw notFound('Cet import');
	const review = typeof row.review === 'string' ? (JSON.parse(row.review) as ImportAnalysis) : row.review;
	return {
		id: row.id,
		org_id: row.org_id,
		file_name: row.file_name,
		kind: row.kind,
		size: Number(row.size),
		created_at: row.created_at,
		...review
	};
}

/** The user's drafts for a collectivité, newest first (to come back to a review left unfinished). */
export async function listImportDrafts(
	db: Database,
	actor: Actor,
	orgId: string
): Promise<{ id: string; file_name: string; created_at: Date; nodes: number }[]> {
	if (!isUuid(orgId)) return [];
	return withUser(db, actor, (tx) =>
		tx.query<{ id: string; file_name: string; created_at: Date; nodes: number }>(
			`select id, file_name, created_at, coalesce(jsonb_array_length(review->'state'->'nodes'), 0)::int as nodes
			   from public.spaser_imports
			  where org_id = $1 and document_id is null and created_by = auth.uid() and created_at > now() - make_interval(days => $2)
			  order by created_at desc limit 20`,
			[orgId, DRAFT_TTL_DAYS]
		)
	);
}

/** A draft of the user (not found for anyone else, and once imported). */
export async function getImportDraft(db: Database, actor: Actor, id: string): Promise<ImportDraft> {
	return withUser(db, actor, (tx) => loadDraft(tx, id));
}

/** Abandons a draft (its author only). */
export async function deleteImportDraft(db: Database, actor: Actor, id: string): Promise<void> {
	if (!isUuid(id)) throw notFound('Cet import');
	await guard(
		withUser(db, actor, async (tx) => {
			const rows = await tx.query(
				'delete from public.spaser_imports where id = $1 and document_id is null returning id',
				[id]
			);
			if (!rows.length) throw notFound('Cet import');
		})
	);
}

export interface ConfirmInput {
	title: string;
	periodStart: number | string;
	periodEnd: number | string;
	/** The reviewed state (object or JSON text), validated here. */
	state: unknown;
}

export class ReviewInvalid extends AppError {
	constructor(public issues: ReviewIssue[]) {
		super(
			'invalid',
			`La structure relue contient ${issues.length} problème${issues.length > 1 ? 's' : ''}\u00a0: ${issues[0]?.message ?? ''}`,
			400,
			{
				issues
			}
		);
	}
}

/** « Importé le 22/11/2026 depuis « spaser.docx » ». */
export function importedVersionName(fileName: string, at = new Date()): string {
	const date = new Intl.DateTimeFormat('fr-FR', {
		timeZone: 'Europe/Paris',
		day: '2-digit',
		month: '2-digit',
		year: 'numeric'
	}).format(at);
	return `Importé le ${date} depuis «\u00a0${fileName.slice(0, 200)}\u00a0»`;
}

/**
 * Creates the SPASER of a reviewed draft: record (the user must be admin or editor of the collectivité), content
 * through the collaboration server (open editors would see it), projection, the « Importé le … » version, and the
 * draft becomes the SPASER's attached original file.
 */
export async function confirmImport(
	db: Database,
	actor: Actor,
	draftId: string,
	input: ConfirmInput
): Promise<{ document: SpaserDocument; content: DocContent }> {
	const draft = await getImportDraft(db, actor, draftId);
	const parsed = parseReviewState(input.state);
	if (!parsed.ok) throw new ReviewInvalid(parsed.issues);
	const doc = await createSpaserRecord(db, actor, {
		orgIds: [draft.org_id],
		leadOrgId: draft.org_id,
		title: input.title,
		periodStart: input.periodStart as number,
		periodEnd: input.periodEnd as number
	});
	const live = await changeLiveDoc(db, doc.id, (d) => importContent(d, parsed.content));
	try {
		await projectDocument(db, doc.id, live);
		await guard(
			withUser(db, actor, async (tx) => {
				const linked = await tx.query(
					`update public.spaser_imports set document_id = $2, imported_at = now(), review = null where id = $1 and document_id is null returning id`,
					[draftId, doc.id]
				);
				if (!linked.length) throw new AppError('conflict', 'Cet import a déjà été confirmé.', 409);
				await tx.query(
					`insert into public.spaser_versions (document_id, kind, name, state, content) values ($1, 'imported', $2, $3, $4::text::jsonb)`,
					[
						doc.id,
						importedVersionName(draft.file_name),
						Buffer.from(Y.encodeStateAsUpdate(live)),
						JSON.stringify(cleanContent(live))
					]
				);
			})
		);
		return { document: await getSpaserDocument(db, actor, doc.id), content: cleanContent(live) };
	} finally {
		live.destroy();
	}
}

/** The original files of a SPASER's imports (metadata), for whoever reads it. */
export async function listImportedFiles(db: Database, actor: Actor, documentId: string): Promise<ImportedFile[]> {
	if (!isUuid(documentId)) return [];
	return withUser(db, actor, (tx) =>
		tx.query<ImportedFile>(
			`select i.id, i.document_id, i.file_name, i.kind, i.mime, i.size, i.imported_at, u.display_name as created_by_name
			   from public.spaser_imports i left join public.users u on u.id = i.created_by
			  where i.document_id = $1 order by i.imported_at`,
			[documentId]
		)
	);
}

/** One original file with its bytes (not found for those who cannot read the SPASER). */
export async function getImportedFile(
	db: Database,
	actor: Actor,
	documentId: string,
	importId: string
): Promise<ImportedFile & { content: Uint8Array }> {
	if (!isUuid(documentId) || !isUuid(importId)) throw notFound('Ce fichier');
	const [row] = await withUser(db, actor, (tx) =>
		tx.query<ImportedFile & { content: Uint8Array }>(
			`select i.id, i.document_id, i.file_name, i.kind, i.mime, i.size, i.imported_at, null as created_by_name, i.content
			   from public.spaser_imports i where i.document_id = $1 and i.id = $2`,
			[documentId, importId]
		)
	);
	if (!row) throw notFound('Ce fichier');
	return row;
}
