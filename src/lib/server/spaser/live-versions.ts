// Versions of the live document: naming its current state and restoring a version as a new change. The version
// records are versions.ts's; here the live document is read (after the RLS check) and a restore is broadcast
// through the collaboration server, so open editors see it at once and concurrent edits merge.
import * as Y from 'yjs';
import type { Actor, Database } from '../db';
import { requireWriteToRestore } from './access';
import { getSpaserDocument } from './documents';
import { getCollabServer, readLiveDoc } from './live';
import { createVersion, restoreVersion, type VersionMeta } from './versions';

/** « Nommer une version »: the current live state saved under `name`. */
export async function nameCurrentVersion(
	db: Database,
	actor: Actor,
	documentId: string,
	name: string
): Promise<VersionMeta> {
	await getSpaserDocument(db, actor, documentId); // RLS first: the live doc is read without it
	const live = await readLiveDoc(db, documentId);
	try {
		return await createVersion(db, actor, documentId, live, { kind: 'named', name });
	} finally {
		live.destroy();
	}
}

/**
 * Restores a version as a new change: restoreVersion saves the current state, rewrites a copy of the live doc and
 * records the restore; the difference is then applied through the collaboration server.
 */
export async function restoreAndBroadcast(db: Database, actor: Actor, documentId: string, versionId: string) {
	requireWriteToRestore(await getSpaserDocument(db, actor, documentId));
	const live = await readLiveDoc(db, documentId);
	try {
		const before = Y.encodeStateVector(live);
		const out = await restoreVersion(db, actor, documentId, live, versionId);
		const update = Y.encodeStateAsUpdate(live, before);
		if (update.byteLength > 2) await getCollabServer(db).applyServerUpdate(documentId, update);
		return out;
	} finally {
		live.destroy();
	}
}
