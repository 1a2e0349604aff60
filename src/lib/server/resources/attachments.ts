// Attachments of shared resources (PDF, DOCX, ODT, XLSX; sniffed, 10 MB at most).
import type { Actor, Database } from '../db';
import { withUser } from '../db';
import { AppError, forbidden, guard, notFound } from '$lib/server/kit/errors';
import { isUuid } from '$lib/server/kit/ids';
import { sniffDocument, type SniffedType } from '../files/sniff';
import { runFileTask } from '../files/worker-pool';
import { requireAttacher, resourceErrors } from './access';

export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

const ATTACHMENT_KINDS = new Set(['pdf', 'docx', 'odt', 'xlsx']);

/** Whether the user may attach files to this resource (checked by the upload form before it reads the body). */
export async function canAttach(db: Database, actor: Actor, resourceId: string): Promise<boolean> {
	if (!isUuid(resourceId)) return false;
	try {
		await withUser(db, actor, (tx) => requireAttacher(tx, resourceId));
		return true;
	} catch {
		return false;
	}
}

export async function addAttachment(db: Database, actor: Actor, id: string, filename: string, bytes: Uint8Array) {
	if (!isUuid(id)) throw notFound('Cette ressource');
	if (!bytes.byteLength) throw new AppError('invalid_file', 'Le fichier est vide.', 400, { field: 'file' });
	if (bytes.byteLength > MAX_ATTACHMENT_BYTES)
		throw new AppError('file_too_large', 'Le fichier dépasse 10 Mo : réduisez-le ou découpez-le.', 413, {
			field: 'file'
		});
	// The right first: a user who may not attach gets 403 at once, before anything reads the file.
	await guard(
		withUser(db, actor, (tx) => requireAttacher(tx, id)),
		resourceErrors
	);
	const type: SniffedType | null = sniffDocument(bytes);
	if (!type || !ATTACHMENT_KINDS.has(type.kind))
		throw new AppError(
			'invalid_file_type',
			'Type de fichier non accepté : seuls les documents PDF, DOCX, ODT et XLSX sont acceptés (le type est vérifié sur le contenu du fichier).',
			415,
			{ field: 'file' }
		);
	// Text for search, extracted in a worker thread (bounded heap and time; a hostile file fails with 413/422).
	const text = await runFileTask<string>(actor.id, { kind: 'extract-text', bytes, type: type.kind });
	const clean =
		[...filename]
			.map((c) => (c === '/' || c === '\\' || c.charCodeAt(0) < 32 ? '_' : c))
			.join('')
			.trim()
			.slice(-200) || `piece-jointe.${type.ext}`;
	const name = clean.toLowerCase().endsWith('.' + type.ext)
		? clean
		: `${clean.replace(/\.[a-z0-9]{1,5}$/i, '')}.${type.ext}`;
	return withUser(db, actor, async (tx) => {
		await requireAttacher(tx, id);
		const [row] = await guard(
			tx.query<{ id: string }>(
				`insert into public.resource_attachments (resource_id, filename, mime, byte_size, data, text_content)
				 values ($1, $2, $3, $4, $5, $6) returning id`,
				[id, name, type.mime, bytes.byteLength, bytes, text]
			),
			resourceErrors
		);
		return { id: row.id, filename: name, mime: type.mime, textLength: text.length };
	});
}

export async function getAttachment(db: Database, actor: Actor | null, attachmentId: string) {
	if (!isUuid(attachmentId)) throw notFound('Cette pièce jointe');
	return withUser(db, actor, async (tx) => {
		const [a] = await tx.query<{ filename: string; mime: string; data: Uint8Array }>(
			`select filename, mime, data from public.resource_attachments where id = $1`,
			[attachmentId]
		);
		if (!a) throw notFound('Cette pièce jointe');
		return a;
	});
}

export async function deleteAttachment(db: Database, actor: Actor, attachmentId: string) {
	return withUser(db, actor, async (tx) => {
		const rows = await tx.query(`delete from public.resource_attachments where id = $1 returning id`, [attachmentId]);
		if (!rows.length) throw forbidden();
	});
}
