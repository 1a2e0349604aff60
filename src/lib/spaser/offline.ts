// The editor keeps an offline copy of each SPASER a writer opens (the Y.Doc in IndexedDB, through y-indexeddb)
// so that what is typed without a connection survives closing the tab and is merged when the document is opened
// again online. Choices, for shared computers:
//   - one store per user AND document (`spaser-commun:<user id>:<document id>`): someone else signed in on the
//     same browser never loads another person's copy;
//   - only writers keep a copy (a reader has nothing to keep);
//   - signing out on this browser deletes every copy and the list of unsaved changes (offlineStoreNames), after
//     the editor's own status has said whether anything was still waiting to be sent. Closing the tab without
//     signing out keeps the copy, as it keeps the session: that is what makes offline work survive.
// Alongside the copy, the clocks of this person's changes not yet confirmed stored by the server are kept in
// localStorage (same scope), so that after a reopen the status says « Enregistrement… » until the server's own
// saved signal covers them, not « Enregistré » as soon as a fresh connection opens.

export const OFFLINE_PREFIX = 'spaser-commun:';

export function offlineStoreName(userId: string, documentId: string): string {
	return `${OFFLINE_PREFIX}${userId}:${documentId}`;
}

const pendingKey = (userId: string, documentId: string) => `${offlineStoreName(userId, documentId)}:pending`;

/** Yjs clientID → clock of this person's changes not yet confirmed stored. */
export type PendingClocks = Record<string, number>;

export function readPending(userId: string, documentId: string): PendingClocks {
	try {
		const v = JSON.parse(localStorage.getItem(pendingKey(userId, documentId)) ?? '{}') as unknown;
		if (!v || typeof v !== 'object') return {};
		return Object.fromEntries(
			Object.entries(v).filter(([k, c]) => /^\d+$/.test(k) && typeof c === 'number' && c > 0)
		) as PendingClocks;
	} catch {
		return {};
	}
}

export function writePending(userId: string, documentId: string, pending: PendingClocks) {
	try {
		if (Object.keys(pending).length) localStorage.setItem(pendingKey(userId, documentId), JSON.stringify(pending));
		else localStorage.removeItem(pendingKey(userId, documentId));
	} catch {
		// storage full or disabled: the status still follows this session's own changes
	}
}

/** Deletes every offline copy and pending list kept by this browser (sign-out). Never throws. */
export async function clearOfflineCopies(): Promise<void> {
	try {
		for (const k of Object.keys(localStorage)) if (k.startsWith(OFFLINE_PREFIX)) localStorage.removeItem(k);
	} catch {
		// nothing to clear
	}
	if (typeof indexedDB === 'undefined' || typeof indexedDB.databases !== 'function') return;
	try {
		const dbs = await indexedDB.databases();
		await Promise.all(
			dbs
				.filter((d) => d.name?.startsWith(OFFLINE_PREFIX))
				.map(
					(d) =>
						new Promise<void>((resolve) => {
							const req = indexedDB.deleteDatabase(d.name!);
							req.onsuccess = req.onerror = req.onblocked = () => resolve();
						})
				)
		);
	} catch {
		// nothing to clear
	}
}
