// Importing a SPASER export file (JSON, as GET /spasers/{id}/export writes it) into a collectivité: the file's
// type is decided from its bytes (sniff.ts), never from its name; a refused file creates nothing.
import { AppError } from '$lib/server/kit/errors';
import type { Actor, Database } from '../db';
import { requireOrgWriter } from '../files/rights';
import { sniffDataFile } from '../files/sniff';
import { createSpaserRecord, updateSpaserMetadata, type SpaserDocument } from './documents';
import { changeLiveDoc } from './live';
import { createVersion } from './versions';
import { parseSpaserExport, type ContentIssue } from '../../spaser/content-schema';
import { importContent } from '../../spaser/ydoc';

/** Largest export file accepted (a SPASER of several hundred actions is well under 1 MB). */
export const MAX_SPASER_JSON_BYTES = 5 * 1024 * 1024;

export type SpaserJsonImport =
	{ ok: true; document: SpaserDocument; nodes: number } | { ok: false; issues: ContentIssue[] };

/**
 * Creates a SPASER led by the collectivité from an export file. A file that is not JSON (whatever its name),
 * too large or empty throws an AppError; a JSON file that is not a valid export returns its issues. In both
 * cases nothing is created.
 */
export async function importSpaserJsonFile(
	db: Database,
	actor: Actor,
	orgId: string,
	file: { name: string; bytes: Uint8Array }
): Promise<SpaserJsonImport> {
	if (!file.bytes.byteLength)
		throw new AppError(
			'invalid',
			'Le fichier est vide\u00a0: choisissez un fichier JSON exporté depuis SPASER Commun.',
			400,
			{ field: 'file' }
		);
	if (file.bytes.byteLength > MAX_SPASER_JSON_BYTES)
		throw new AppError('payload_too_large', 'Le fichier est trop volumineux\u00a0: 5\u00a0Mo au plus.', 413, {
			field: 'file'
		});
	sniffDataFile(file.bytes, file.name, ['json']);
	await requireOrgWriter(
		db,
		actor,
		orgId,
		'Seuls les administrateurs et rédacteurs de la collectivité peuvent importer un SPASER.'
	);
	const parsed = parseSpaserExport(new TextDecoder('utf-8').decode(file.bytes).replace(/^\uFEFF/, ''));
	if (!parsed.ok) return parsed;
	const { document: meta, content } = parsed.value;
	const year = new Date().getFullYear();
	const doc = await createSpaserRecord(db, actor, {
		orgIds: [orgId],
		leadOrgId: orgId,
		title: meta.title,
		periodStart: meta.periodStart ?? year,
		periodEnd: meta.periodEnd ?? meta.periodStart ?? year + 3
	});
	const live = await changeLiveDoc(db, doc.id, (d) => importContent(d, content));
	try {
		// keep the adoption facts of the file (the status starts again at « brouillon » in this collectivité)
		if (meta.adoptedOn || meta.deliberationRef)
			await updateSpaserMetadata(db, actor, doc.id, {
				adoptedOn: meta.adoptedOn,
				deliberationRef: meta.deliberationRef
			}).catch(() => null);
		// users may record named versions only (automatic and 'imported' kinds are the server's)
		await createVersion(db, actor, doc.id, live, {
			kind: 'named',
			name: `Import du fichier «\u00a0${file.name.slice(0, 200)}\u00a0»`
		});
	} finally {
		live.destroy();
	}
	return { ok: true, document: doc, nodes: content.nodes.length };
}
