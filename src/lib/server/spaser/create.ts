// Creating a SPASER with its content: the record (documents.ts), then the content written into the live document
// and its projection at once, so that /nodes and /targets (and the pages) are consistent immediately. The creation
// wizard, the templates and the JSON API all create through here.
import type { Actor, Database } from '../db';
import type { SpaserExport } from '../../spaser/content-schema';
import { importContent, type DocContent } from '../../spaser/ydoc';
import { getOrganisation } from '../organisations/service';
import { createSpaserRecord, getSpaserDocument, updateSpaserMetadata, type SpaserDocument } from './documents';
import { adoptionDateError, type SpaserCreateInput } from './input';
import { changeLiveDoc, readLiveDoc } from './live';
import { projectDocument } from './projection';
import { createVersion } from './versions';

/** Writes `content` into a new document and its projection. */
async function fill(db: Database, documentId: string, content: DocContent) {
	const live = await changeLiveDoc(db, documentId, (doc) => importContent(doc, content));
	try {
		await projectDocument(db, documentId, live);
	} finally {
		live.destroy();
	}
}

/** A new SPASER (see spaserCreateInput) filled with `content` (a template, a proposal, or empty). */
export async function createSpaserWithContent(
	db: Database,
	actor: Actor,
	input: SpaserCreateInput,
	content: DocContent
): Promise<SpaserDocument> {
	const doc = await createSpaserRecord(db, actor, input);
	await fill(db, doc.id, content);
	return getSpaserDocument(db, actor, doc.id);
}

/**
 * A new SPASER led by `orgId` from a JSON export, without loss: it starts as « brouillon » but keeps the adoption
 * date and deliberation of the file, and a named version `versionName` keeps the imported state. The adoption date
 * is checked before anything is created (a refusal names `document.adoptedOn`).
 */
export async function importSpaserExport(
	db: Database,
	actor: Actor,
	orgId: string,
	{ document: meta, content }: Pick<SpaserExport, 'document' | 'content'>,
	versionName: string
): Promise<SpaserDocument> {
	const badDate = adoptionDateError(meta.adoptedOn, 'document.adoptedOn');
	if (badDate) throw badDate;
	await getOrganisation(db, actor, orgId);
	const year = new Date().getFullYear();
	const periodStart = meta.periodStart ?? (meta.periodEnd !== null ? Math.max(2000, meta.periodEnd - 3) : year);
	const doc = await createSpaserRecord(db, actor, {
		orgIds: [orgId],
		leadOrgId: orgId,
		title: meta.title,
		periodStart,
		periodEnd: meta.periodEnd ?? periodStart + 3
	});
	await fill(db, doc.id, content);
	if (meta.adoptedOn || meta.deliberationRef)
		await updateSpaserMetadata(db, actor, doc.id, { adoptedOn: meta.adoptedOn, deliberationRef: meta.deliberationRef });
	const live = await readLiveDoc(db, doc.id);
	try {
		await createVersion(db, actor, doc.id, live, { kind: 'named', name: versionName });
	} finally {
		live.destroy();
	}
	return getSpaserDocument(db, actor, doc.id);
}
