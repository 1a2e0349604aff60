import { describe, expect, it } from 'vitest';
import {
	hashPassword,
	MAX_PASSWORD_LENGTH,
	MIN_PASSWORD_LENGTH,
	passwordProblem,
	verifyPassword
} from '../../src/lib/server/auth/password';

describe('passwordProblem', () => {
	it('accepts a long, uncommon password', () => {
		expect(passwordProblem('Cheval-Batterie-Agrafe-2026')).toBeNull();
		expect(passwordProblem('une phrase de passe assez longue')).toBeNull();
	});

	it('refuses passwords shorter than 12 characters, in French', () => {
		expect(MIN_PASSWORD_LENGTH).toBe(12);
		expect(passwordProblem('Abc-def-123')).toBe('Le mot de passe doit contenir au moins 12 caractères.');
		expect(passwordProblem('Abc-def-1234')).toBeNull();
	});

	it('refuses passwords longer than the maximum', () => {
		expect(passwordProblem('a'.repeat(MAX_PASSWORD_LENGTH - 1) + 'b')).toBeNull();
		expect(passwordProblem('ab'.repeat(MAX_PASSWORD_LENGTH))).toMatch(/au plus 256 caractères/);
	});

	it('refuses common passwords, repeated characters and keyboard runs', () => {
		for (const p of ['123456789012', 'aaaaaaaaaaaaaaa', 'azertyuiop12', 'qwertyuiopasdf', '12345678901234'])
			expect(passwordProblem(p), p).toMatch(/plus courants/);
	});

	it('refuses a password from the common-password list whatever its case', () => {
		// "password1234" style entries of at least 12 characters exist in the zxcvbn list.
		expect(passwordProblem('PASSWORD1234')).toMatch(/plus courants/);
	});

	it('refuses a password containing the e-mail local part or the name', () => {
		expect(passwordProblem('marie.curie-2026!', ['marie.curie@mairie.fr'])).toMatch(/adresse e-mail ou votre nom/);
		expect(passwordProblem('Dupontel-sur-Mer', ['x@y.fr', 'Dupontel'])).toMatch(/adresse e-mail ou votre nom/);
		// Context parts shorter than 4 characters are ignored.
		expect(passwordProblem('bob-est-content-2026', ['bob@x.fr'])).toBeNull();
	});
});

describe('argon2id hashing', () => {
	it('hashes with argon2id and verifies only the right password', async () => {
		const h = await hashPassword('Cheval-Batterie-Agrafe-2026');
		expect(h).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
		expect(h).not.toContain('Cheval');
		expect(await verifyPassword(h, 'Cheval-Batterie-Agrafe-2026')).toBe(true);
		expect(await verifyPassword(h, 'cheval-batterie-agrafe-2026')).toBe(false);
	});

	it('salts every hash', async () => {
		const [a, b] = await Promise.all([hashPassword('même mot de passe'), hashPassword('même mot de passe')]);
		expect(a).not.toBe(b);
	});

	it('returns false (does not throw) on a malformed hash', async () => {
		expect(await verifyPassword('not-a-hash', 'whatever-password')).toBe(false);
	});
});
