// Access to the live Y.Doc of a SPASER from server code (versions, exports, restore, import, templates).
// Reads come from Postgres: every update is stored before it is applied or broadcast, so the stored log IS the
// acknowledged state. Writes go through the collaboration server (`applyServerUpdate`), which numbers, stores,
// applies and broadcasts them like a client's update — so open editors see restores and imports at once.
import * as Y from 'yjs';
import type { Database } from '../db';
import { loadDoc } from '../collab/persistence';
import { cleanStrings } from '../input-guard';
import { exportContent, type DocContent } from '../../spaser/ydoc';
import { createCollabServer, type CollabServer } from '../collab/server';

const KEY = Symbol.for('spaser.collab');
type Holder = { [KEY]?: WeakMap<Database, CollabServer> };

function registry(): WeakMap<Database, CollabServer> {
	const g = globalThis as Holder;
	g[KEY] ??= new WeakMap();
	return g[KEY]!;
}

/** Registers the collaboration server that owns `db`'s documents in this process (runtime.ts, at start-up). */
export function setCollabServer(db: Database, server: CollabServer | undefined) {
	if (server) registry().set(db, server);
	else registry().delete(db);
}

/** The collaboration server of `db`, or a headless one (no websocket clients) for scripts and tests. */
export function getCollabServer(db: Database): CollabServer {
	let server = registry().get(db);
	if (!server) {
		server = createCollabServer({
			db,
			authenticate: async () => null,
			authorize: async () => null,
			allowedOrigins: []
		});
		registry().set(db, server);
	}
	return server;
}

/** The document as stored (snapshot + updates), in a fresh Y.Doc the caller owns. */
export async function readLiveDoc(db: Database, documentId: string): Promise<Y.Doc> {
	const loaded = await loadDoc(db, documentId);
	const doc = new Y.Doc();
	doc.transact(() => {
		if (loaded.snapshot) Y.applyUpdate(doc, loaded.snapshot);
		for (const u of loaded.updates) Y.applyUpdate(doc, u);
	});
	return doc;
}

/** Applies `fn` to the document and stores/broadcasts the resulting change as one server update. */
export async function changeLiveDoc(db: Database, documentId: string, fn: (doc: Y.Doc) => void): Promise<Y.Doc> {
	const doc = await readLiveDoc(db, documentId);
	const before = Y.encodeStateVector(doc);
	fn(doc);
	const update = Y.encodeStateAsUpdate(doc, before);
	if (update.byteLength > 2) await getCollabServer(db).applyServerUpdate(documentId, update);
	return doc;
}

/**
 * The document's content for versions and exports, every string cleaned (input-guard cleanText): a NUL or a lone
 * surrogate stored before the collaboration server refused them never blocks a version, a bilan or an export.
 */
export function cleanContent(doc: Y.Doc): DocContent {
	return cleanStrings(exportContent(doc));
}
