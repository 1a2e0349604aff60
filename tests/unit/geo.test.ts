import { describe, expect, it } from 'vitest';
import { DEPARTEMENTS, luhn, REGIONS, siretValid } from '../../src/lib/geo';
import { ORG_KINDS, ROLE_LABELS } from '../../src/lib/organisations/labels';

describe('luhn', () => {
	it('accepts valid SIREN numbers and refuses a wrong key', () => {
		for (const s of ['217500016', '732829320', '552100554']) expect(luhn(s), s).toBe(true);
		for (const s of ['217500017', '732829321', '552100555']) expect(luhn(s), s).toBe(false);
	});

	it('refuses anything that is not only digits', () => {
		expect(luhn('')).toBe(false);
		expect(luhn('21750001a')).toBe(false);
		expect(luhn('217 500 016')).toBe(false);
	});
});

describe('siretValid', () => {
	it('accepts a valid SIRET and refuses a wrong key or length', () => {
		expect(siretValid('21750001600001')).toBe(true);
		expect(siretValid('21750001600002')).toBe(false);
		expect(siretValid('2175000160000')).toBe(false);
		expect(siretValid('217500016000011')).toBe(false);
	});

	it('uses the La Poste rule (digit sum multiple of 5) for SIREN 356000000', () => {
		// 3+5+6 = 14; the establishment digits must bring the sum to a multiple of 5.
		expect(siretValid('35600000000001')).toBe(true); // 15
		expect(siretValid('35600000000002')).toBe(false); // 16
	});
});

describe('reference lists', () => {
	it('every département belongs to a known region', () => {
		expect(Object.keys(DEPARTEMENTS).length).toBe(101);
		for (const [code, [name, region]] of Object.entries(DEPARTEMENTS)) {
			expect(name.length, code).toBeGreaterThan(1);
			expect(REGIONS[region], `${code} → ${region}`).toBeDefined();
		}
		expect(DEPARTEMENTS['2A'][1]).toBe('94');
		expect(DEPARTEMENTS['75']).toEqual(['Paris', '11']);
	});

	it('every region has at least one département', () => {
		const used = new Set(Object.values(DEPARTEMENTS).map(([, r]) => r));
		expect([...Object.keys(REGIONS)].filter((r) => !used.has(r))).toEqual([]);
		expect(Object.keys(REGIONS).length).toBe(18);
	});

	it('has French labels for organisation kinds and roles', () => {
		expect(Object.keys(ORG_KINDS)).toContain('commune');
		expect(ROLE_LABELS.admin).toBe('Administrateur·rice');
	});
});
