// Presence (Yjs awareness) entries that only the collaboration SERVER may publish, shared by the server (which
// refuses them from clients) and the editor (which trusts them only from the server).
//
// The server tells each writer which of its changes are stored with an awareness entry under the reserved
// clientID SERVER_PRESENCE_CLIENT_ID, state `{ saved: { <Yjs clientID>: <clock> } }` (see server.ts). Awareness
// entries are arbitrary JSON under arbitrary clientIDs, so a client could publish the same shape; two locks make
// that useless:
//   1. the server never relays a client's entry that uses the reserved clientID (nor another connection's), nor
//      one carrying a server-only field (SERVER_ONLY_PRESENCE_FIELDS);
//   2. the editor reads `saved` from the reserved clientID ONLY (`savedClockFromServer`), never from any entry
//      that happens to have the field — a forged entry relayed by an older or buggy server changes nothing.
// A Yjs clientID is a random uint32 chosen by each client; 0 is as unlikely as any other value for a genuine
// client (and the server refuses it from clients), so it costs no coordination to reserve it.

/** The clientID of the server's own presence entry (never a client's). */
export const SERVER_PRESENCE_CLIENT_ID = 0;

/** The field of the server's entry that carries the saved clocks. */
export const SERVER_PRESENCE_KEY = 'saved';

/** Top-level presence fields only the server may set: a client entry carrying any of them is refused whole. */
export const SERVER_ONLY_PRESENCE_FIELDS: readonly string[] = [SERVER_PRESENCE_KEY];

/**
 * The clock up to which the server says this client's changes (`ownClientId`) are stored, from the server's own
 * presence entry only; 0 when it said nothing (yet). `states` is `awareness.getStates()`.
 */
export function savedClockFromServer(states: ReadonlyMap<number, unknown>, ownClientId: number): number {
	const state = states.get(SERVER_PRESENCE_CLIENT_ID);
	if (!state || typeof state !== 'object') return 0;
	const saved = (state as Record<string, unknown>)[SERVER_PRESENCE_KEY];
	if (!saved || typeof saved !== 'object') return 0;
	const clock = (saved as Record<string, unknown>)[String(ownClientId)];
	return typeof clock === 'number' && Number.isFinite(clock) && clock >= 0 ? clock : 0;
}
