import { sha256 } from '@oslojs/crypto/sha2';
import { constantTimeEqual } from '@oslojs/crypto/subtle';
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';

/** Random identifier or secret: 120 bits of entropy in lower-case base32 (24 characters). */
export function randomToken(bytes = 15): string {
	const b = new Uint8Array(bytes);
	crypto.getRandomValues(b);
	return encodeBase32LowerCaseNoPadding(b);
}

export function hashSecret(secret: string): Uint8Array {
	return sha256(new TextEncoder().encode(secret));
}

export function secretMatches(secret: string, hash: Uint8Array): boolean {
	const h = hashSecret(secret);
	return h.length === hash.length && constantTimeEqual(h, new Uint8Array(hash));
}

/** Splits "<id>.<secret>" (sessions and one-time tokens). */
export function splitToken(token: string): { id: string; secret: string } | null {
	const parts = token.split('.');
	if (parts.length !== 2 || !/^[a-z2-7]{16,64}$/.test(parts[0]) || !/^[a-z2-7]{16,64}$/.test(parts[1])) return null;
	return { id: parts[0], secret: parts[1] };
}
