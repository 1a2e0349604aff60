// Exports of a SPASER: the JSON export (format « spaser-commun », re-importable without loss) and the Word document,
// of the current content or of a version. The pages and the JSON API send the same files.
import type { Actor, Database } from '../db';
import { contentDisposition as fileDisposition, download } from '$lib/server/kit/download';
import { notFound } from '$lib/server/kit/errors';
import { buildExport, type SpaserExport } from '../../spaser/content-schema';
import type { DocContent } from '../../spaser/ydoc';
import type { SpaserDocument } from './documents';
import { renderDocx } from './docx';
import { cleanContent, readLiveDoc } from './live';
import { VERSION_KINDS, getVersion } from './versions';

export const DOCX_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/**
 * The content to export: the live document's (cleaned), or version `versionId`'s with a name for the Word title
 * page. The caller has read `doc` under the person's rights (the live document is read without RLS).
 */
export async function exportedContent(
	db: Database,
	actor: Actor,
	doc: SpaserDocument,
	versionId?: string
): Promise<{ content: DocContent; versionName: string | null }> {
	if (versionId) {
		const v = await getVersion(db, actor, versionId);
		if (v.document_id !== doc.id) throw notFound('Cette version');
		const when = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'short', timeZone: 'Europe/Paris' }).format(
			new Date(v.created_at)
		);
		return { content: v.content, versionName: v.name ?? `${VERSION_KINDS[v.kind]} du ${when}` };
	}
	const live = await readLiveDoc(db, doc.id);
	try {
		return { content: cleanContent(live), versionName: null };
	} finally {
		live.destroy();
	}
}

/** The JSON export of `content` with the document's facts. */
export function exportJson(doc: SpaserDocument, content: DocContent): SpaserExport {
	return buildExport(
		{
			title: doc.title,
			periodStart: doc.period_start,
			periodEnd: doc.period_end,
			status: doc.status,
			adoptedOn: doc.adopted_on,
			deliberationRef: doc.deliberation_ref
		},
		content
	);
}

/** The Word document (numbering, bodies, targets, indicators summary). */
export async function exportDocx(
	doc: SpaserDocument,
	content: DocContent,
	versionName: string | null = null
): Promise<Uint8Array> {
	const file = await renderDocx(
		{
			title: doc.title,
			orgNames: doc.orgs.map((o) => o.name),
			periodStart: doc.period_start,
			periodEnd: doc.period_end,
			status: doc.status,
			adoptedOn: doc.adopted_on,
			deliberationRef: doc.deliberation_ref,
			versionName,
			generatedAt: new Date()
		},
		content
	);
	return new Uint8Array(file);
}

/** A file of a SPASER, named after its title (« SPASER » when the title leaves nothing usable). */
export function spaserDownload(
	title: string,
	ext: 'json' | 'docx' | string,
	body: Uint8Array | string,
	type: string,
	headers?: Record<string, string>
): Response {
	return download(body, `${title}.${ext}`, { type, fallback: 'SPASER', headers });
}

/** Content-Disposition of a SPASER export (« SPASER » when the title leaves nothing usable). */
export function contentDisposition(baseName: string, ext: string): string {
	return fileDisposition(baseName, ext, { fallback: 'SPASER' });
}
