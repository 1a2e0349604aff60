// Attachments of Guichet vert requests and follow-up messages: PDF, DOCX, ODT, XLSX, PNG or JPEG of at most
// 10 MB each, typed from their content (never from the name or the browser's claim), stored in Postgres.
// Row-level security decides who reads them: whoever sees the request, nobody else.
import type { Actor, Database, Tx } from '../db';
import { withUser } from '../db';
import { AppError, guard, notFound } from '$lib/server/kit/errors';
import { download } from '$lib/server/kit/download';
import { checkImage } from '../files/limits';
import { describeKinds, sniffDocument, type DocumentKind } from '../files/sniff';

export const ATTACHMENT_KINDS = [
	'pdf',
	'docx',
	'odt',
	'xlsx',
	'png',
	'jpeg'
] as const satisfies readonly DocumentKind[];
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
export const MAX_ATTACHMENTS_PER_UPLOAD = 10;
/** For the file input's accept attribute (a hint to the browser; the server checks the content). */
export const ATTACHMENT_ACCEPT = '.pdf,.docx,.odt,.xlsx,.png,.jpg,.jpeg';

export interface UploadedFile {
	name: string;
	bytes: Uint8Array;
	/** The declared size when the bytes were not read (too large). */
	size?: number;
}

export interface PreparedAttachment {
	filename: string;
	mime: string;
	bytes: Uint8Array;
}

export interface AttachmentInfo {
	id: string;
	message_id: string | null;
	uploader_id: string;
	filename: string;
	mime: string;
	size: number;
	created_at: Date;
}

const fail = (message: string) => new AppError('invalid', message, 400, { field: 'attachments' });

/** A safe display name: no path, no control characters, the detected extension. */
function cleanName(name: string, ext: string): string {
	const base = [...(name.split(/[\\/]/).pop() ?? '')]
		.filter((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f && !'"<>|:*?'.includes(c))
		.join('')
		.trim()
		.replace(/\.[A-Za-z0-9]{1,5}$/, '')
		.slice(0, 200);
	return `${base || 'piece-jointe'}.${ext}`;
}

/** Checks the files (count, size, real type); empty file inputs are ignored. Throws a French message. */
export function prepareAttachments(files: UploadedFile[] | undefined): PreparedAttachment[] {
	const real = (files ?? []).filter((f) => (f.size ?? f.bytes.length) > 0 || f.name);
	if (real.length > MAX_ATTACHMENTS_PER_UPLOAD)
		throw fail(`Joignez au plus ${MAX_ATTACHMENTS_PER_UPLOAD}\u00a0fichiers à la fois.`);
	return real.map((f) => {
		const label = f.name ? `« ${f.name} »` : 'Le fichier';
		const size = f.size ?? f.bytes.length;
		if (!size) throw fail(`${label} est vide.`);
		if (size > MAX_ATTACHMENT_BYTES) throw fail(`${label} dépasse 10\u00a0Mo : réduisez-le ou partagez un extrait.`);
		const type = sniffDocument(f.bytes);
		if (!type || !(ATTACHMENT_KINDS as readonly string[]).includes(type.kind))
			throw fail(`${label} n'est pas un fichier accepté : joignez un fichier ${describeKinds(ATTACHMENT_KINDS)}.`);
		if (type.kind === 'png' || type.kind === 'jpeg') {
			try {
				checkImage(f.bytes);
			} catch (e) {
				if (e instanceof AppError)
					throw new AppError(e.code, `${label}\u00a0: ${e.message}`, e.status, { field: 'attachments' });
				throw e;
			}
		}
		return { filename: cleanName(f.name, type.ext), mime: type.mime, bytes: f.bytes };
	});
}

/** Stores prepared attachments in the caller's transaction (RLS checks the caller's side of the request). */
export async function storeAttachments(
	tx: Tx,
	requestId: string,
	messageId: string | null,
	files: PreparedAttachment[]
) {
	for (const f of files)
		await tx.query(
			// clock_timestamp: files of one upload keep their order (now() is the same for the whole transaction).
			`insert into public.guichet_attachments (request_id, message_id, uploader_id, filename, mime, size, content, created_at)
			 values ($1, $2, auth.uid(), $3, $4, $5, $6, clock_timestamp())`,
			[requestId, messageId, f.filename, f.mime, f.bytes.length, f.bytes]
		);
}

export function listAttachments(tx: Tx, requestId: string) {
	return tx.query<AttachmentInfo>(
		`select id, message_id, uploader_id, filename, mime, size, created_at from public.guichet_attachments
		  where request_id = $1 order by created_at, id`,
		[requestId]
	);
}

/** One attachment of a request the caller sees; not found otherwise (including a guessed id). */
export async function getAttachment(db: Database, actor: Actor, requestId: string, attachmentId: string) {
	return guard(
		withUser(db, actor, async (tx) => {
			const [a] = await tx.query<{ filename: string; mime: string; content: Uint8Array }>(
				`select filename, mime, content from public.guichet_attachments where id = $1 and request_id = $2`,
				[attachmentId, requestId]
			);
			if (!a) throw notFound('Cette pièce jointe');
			return { filename: a.filename, mime: a.mime, content: new Uint8Array(a.content) };
		})
	);
}

/** Reads the files of a multipart form field (File objects) into UploadedFile values. */
export async function filesFromForm(form: FormData, field = 'attachments'): Promise<UploadedFile[]> {
	const out: UploadedFile[] = [];
	for (const v of form.getAll(field)) {
		if (typeof v === 'string' || (!v.size && !v.name)) continue;
		if (v.size > MAX_ATTACHMENT_BYTES) {
			out.push({ name: v.name, bytes: new Uint8Array(0), size: v.size }); // refused by prepareAttachments, without reading it
			continue;
		}
		out.push({ name: v.name, bytes: new Uint8Array(await v.arrayBuffer()) });
	}
	return out;
}

/** The HTTP response that downloads an attachment (never rendered inline, never sniffed by the browser). */
export function attachmentResponse(file: { filename: string; mime: string; content: Uint8Array }): Response {
	return download(new Uint8Array(file.content), file.filename, {
		type: file.mime,
		headers: { 'content-length': String(file.content.byteLength) }
	});
}
