import { describe, expect, it } from 'vitest';
import { hashSecret, randomToken, secretMatches, splitToken } from '../../src/lib/server/auth/crypto';

describe('auth crypto helpers', () => {
	it('randomToken is lower-case base32 with the requested entropy, and never repeats', () => {
		const t = randomToken();
		expect(t).toMatch(/^[a-z2-7]{24}$/); // 15 bytes = 120 bits = 24 base32 chars
		expect(randomToken(20)).toMatch(/^[a-z2-7]{32}$/);
		const many = new Set(Array.from({ length: 1000 }, () => randomToken()));
		expect(many.size).toBe(1000);
	});

	it('hashSecret is SHA-256', () => {
		const h = hashSecret('abc');
		expect(h).toBeInstanceOf(Uint8Array);
		expect(h.length).toBe(32);
		expect(Buffer.from(h).toString('hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
	});

	it('secretMatches compares with the stored hash (also a Buffer from the driver)', () => {
		const secret = randomToken(20);
		const stored = hashSecret(secret);
		expect(secretMatches(secret, stored)).toBe(true);
		expect(secretMatches(secret, Buffer.from(stored))).toBe(true);
		expect(
			secretMatches(
				secret.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a')),
				stored
			)
		).toBe(false);
		expect(secretMatches(secret, stored.slice(0, 16))).toBe(false);
	});

	it('splitToken accepts only "<id>.<secret>" in base32', () => {
		const id = randomToken();
		const secret = randomToken(20);
		expect(splitToken(`${id}.${secret}`)).toEqual({ id, secret });
		for (const bad of [
			'',
			id,
			`${id}.`,
			`.${secret}`,
			`${id}.${secret}.x`,
			`${id.toUpperCase()}.${secret}`,
			`${id}.${secret}!`,
			`abc.${secret}`
		])
			expect(splitToken(bad), bad).toBeNull();
	});
});
