import { describe, expect, it } from 'vitest';
import { slugify } from '../../src/lib/server/slug';

describe('slugify', () => {
	it('removes accents, lower-cases and joins words with dashes', () => {
		expect(slugify('Île-de-France')).toBe('ile-de-france');
		expect(slugify("Communauté d'agglomération du Pays de Saint-Malo")).toBe(
			'communaute-d-agglomeration-du-pays-de-saint-malo'
		);
		expect(slugify('  Réseau  Grand Ouest  ')).toBe('reseau-grand-ouest');
		expect(slugify('Œuvre & Ça')).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
	});

	it('always returns a slug that the database accepts', () => {
		const re = /^[a-z0-9]+(-[a-z0-9]+)*$/;
		for (const s of ['', '---', '!!!', '   ', 'é', 'A'.repeat(200), 'a-'.repeat(50), 'Ville ' + 'x'.repeat(59) + '-y'])
			expect(slugify(s), JSON.stringify(s)).toMatch(re);
		expect(slugify('')).toBe('x');
	});

	it('caps the length at 60 characters without a trailing dash', () => {
		const s = slugify('Commune nouvelle de ' + 'Saint-Martin-'.repeat(10));
		expect(s.length).toBeLessThanOrEqual(60);
		expect(s.endsWith('-')).toBe(false);
	});
});
