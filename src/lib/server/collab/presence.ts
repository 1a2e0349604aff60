// Presence (awareness) screening of the collaboration server: what a client may publish, and the identity the
// server stamps on it. Only the server may speak for the server (its `saved` entry, see $lib/spaser/presence)
// and for who a person is (name, id, read-only flag): a client's entry is refused whole when it claims the
// server's clientID, a clientID held (or recently held) by someone else, or a server-only field; otherwise its
// `user` is replaced by the authenticated identity.
import { SERVER_ONLY_PRESENCE_FIELDS, SERVER_PRESENCE_CLIENT_ID } from '../../spaser/presence';
import type { AwarenessEntry } from './protocol';

export type PresenceRefusal = 'server-id' | 'taken' | 'server-field' | 'too-many';

export interface PresenceClaim {
	/** Who holds this clientID in the document: this connection, another one (or another user lately), nobody. */
	holder: 'self' | 'other' | 'none';
	/** ClientIDs this connection already publishes, and how many it may. */
	owned: number;
	maxOwned: number;
}

/** Why a client's presence entry must be dropped (not applied, not relayed), or null when it may go on. */
export function presenceRefusal(entry: AwarenessEntry, claim: PresenceClaim): PresenceRefusal | null {
	if (entry.clientId === SERVER_PRESENCE_CLIENT_ID) return 'server-id';
	if (claim.holder === 'other') return 'taken';
	if (entry.state === null) return null; // leaving: nothing claimed
	if (hasServerOnlyField(entry.state)) return 'server-field';
	if (claim.holder === 'none' && claim.owned >= claim.maxOwned) return 'too-many';
	return null;
}

/**
 * Entries relayed by another instance were screened there; a relayed entry under the server's clientID or with a
 * server-only field is dropped all the same (defence in depth: the NOTIFY channel is shared by every instance).
 */
export function isServerOnlyEntry(entry: AwarenessEntry): boolean {
	return entry.clientId === SERVER_PRESENCE_CLIENT_ID || hasServerOnlyField(entry.state);
}

function hasServerOnlyField(state: unknown): boolean {
	return !!state && typeof state === 'object' && SERVER_ONLY_PRESENCE_FIELDS.some((f) => Object.hasOwn(state, f));
}

export interface StampIdentity {
	userId: string;
	name: string;
	color?: string;
}

/**
 * The default stamp: `user` is the authenticated identity and its real right (`readOnly`), whatever the client
 * wrote there (other `user` sub-fields are dropped, so a client cannot add a title or a role to its name).
 */
export function stampIdentity(
	state: Record<string, unknown>,
	user: StampIdentity,
	access: 'write' | 'read'
): Record<string, unknown> {
	return {
		...state,
		user: {
			id: user.userId,
			name: user.name,
			...(user.color ? { color: user.color } : {}),
			readOnly: access === 'read'
		}
	};
}
