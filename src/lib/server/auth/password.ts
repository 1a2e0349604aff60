import { hash, verify } from '@node-rs/argon2';
import { dictionary } from '@zxcvbn-ts/language-common';

// argon2id with the OWASP-recommended minimum (m=19 MiB, t=2, p=1).
const OPTIONS = { memoryCost: 19456, timeCost: 2, parallelism: 1, outputLen: 32 } as const;

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;

let common: Set<string> | null = null;
function commonPasswords(): Set<string> {
	common ??= new Set((dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));
	return common;
}

/** French message explaining why a password is refused, or null when it is acceptable. */
export function passwordProblem(password: string, context: string[] = []): string | null {
	if (password.length < MIN_PASSWORD_LENGTH)
		return `Le mot de passe doit contenir au moins ${MIN_PASSWORD_LENGTH} caractères.`;
	if (password.length > MAX_PASSWORD_LENGTH)
		return `Le mot de passe doit contenir au plus ${MAX_PASSWORD_LENGTH} caractères.`;
	const lower = password.toLowerCase();
	if (
		commonPasswords().has(lower) ||
		/^(.)\1+$/.test(password) ||
		/^(0123456789|1234567890|azertyuiop|qwertyuiop)/.test(lower)
	)
		return 'Ce mot de passe fait partie des plus courants : choisissez-en un autre, par exemple une phrase de plusieurs mots.';
	for (const c of context) {
		const part = c.toLowerCase().split('@')[0];
		if (part.length >= 4 && lower.includes(part))
			return 'Le mot de passe ne doit pas reprendre votre adresse e-mail ou votre nom.';
	}
	return null;
}

export function hashPassword(password: string): Promise<string> {
	return hash(password, OPTIONS);
}

export async function verifyPassword(hashed: string, password: string): Promise<boolean> {
	try {
		return await verify(hashed, password);
	} catch {
		return false;
	}
}
