import { describe, expect, it } from 'vitest';
import { computeInsertionHours, DEFAULT_RULES, inclusionSearchUrl } from '../../src/lib/server/resources/calculator';
import { snippetHtml } from '../../src/lib/server/resources/search';
import { parseCsv, recordsFromFile } from '../../src/lib/server/resources/io';
import { cpvDivisionLabel, cpvLabel, searchCpv } from '../../src/lib/server/resources/cpv';
import { CPV_RE, parseResultLines, resultsToLines, searchParamsFromUrl } from '../../src/lib/server/resources/input';

describe('insertion-hours calculator', () => {
	it('applies 10 h per 10 000 € HT with the labour factor of the segment', () => {
		const r = computeInsertionHours(1_000_000, 2, 'travaux.batiment', DEFAULT_RULES);
		expect(r.rawHours).toBe(1000);
		expect(r.totalHours).toBe(1000);
		expect(r.hoursPerYear).toBe(500);
		expect(r.minimumApplied).toBe(false);
		const supplies = computeInsertionHours(1_000_000, 2, 'fournitures.textile', DEFAULT_RULES);
		expect(supplies.rawHours).toBe(300);
	});
	it('raises small contracts to the annual minimum and flags them below the threshold', () => {
		const r = computeInsertionHours(60_000, 3, 'services.nettoyage', DEFAULT_RULES);
		expect(r.rawHours).toBe(60);
		expect(r.totalHours).toBe(450);
		expect(r.hoursPerYear).toBe(150);
		expect(r.minimumApplied).toBe(true);
		expect(r.belowThreshold).toBe(true);
		expect(r.clauseText).toContain('au moins 450\u00a0heures de travail, soit 150\u00a0heures par an');
		expect(r.clauseText).toContain('minimum de 150\u00a0heures par an');
	});
	it('uses the network rules', () => {
		const r = computeInsertionHours(500_000, 1, 'services', { ...DEFAULT_RULES, hoursPer10k: 7, minHoursPerYear: 0 });
		expect(r.totalHours).toBe(350);
	});
});

describe('links out to the Marché de l’inclusion', () => {
	it('builds the supplier search for a segment and a département', () => {
		const url = new URL(inclusionSearchUrl('services.nettoyage', '31'));
		expect(url.origin + url.pathname).toBe('https://lemarche.inclusion.beta.gouv.fr/prestataires/');
		expect(url.searchParams.get('sectors')).toBe('nettoyage');
		expect(url.searchParams.get('perimeters')).toBe('haute-garonne');
		expect(new URL(inclusionSearchUrl('travaux', '2A')).searchParams.get('perimeters')).toBe('corse-du-sud');
		expect(new URL(inclusionSearchUrl('travaux', '21')).searchParams.get('perimeters')).toBe('cote-d-or');
		expect(new URL(inclusionSearchUrl(null, null)).search).toBe('');
	});
});

describe('CPV', () => {
	it('labels codes from the CPV 2008 list and checks the format', () => {
		expect(cpvLabel('90910000-9')).toBe('Services de nettoyage');
		expect(cpvLabel('90910000-8')).toBeNull();
		expect(cpvDivisionLabel('45')).toBe('Travaux de construction');
		expect(searchCpv('services de nettoyage').some((c) => c.code === '90910000-9')).toBe(true);
		expect(CPV_RE.test('45000000-7')).toBe(true);
		expect(CPV_RE.test('4500000-7')).toBe(false);
	});
});

describe('forms and files', () => {
	it('reads REX results as « indicateur : valeur unité » lines and writes them back', () => {
		const { results, error } = parseResultLines("Heures d'insertion : 1 200 h\nBio = 24,5 %\n");
		expect(error).toBeNull();
		expect(results).toEqual([
			{ label: "Heures d'insertion", value: 1200, unit: 'h' },
			{ label: 'Bio', value: 24.5, unit: '%' }
		]);
		expect(resultsToLines(results)).toBe("Heures d'insertion : 1200 h\nBio : 24,5 %");
		expect(parseResultLines('sans valeur').error).toMatch(/Ligne 1/);
	});
	it('parses CSV with quotes, separators and line breaks inside fields, comma or semicolon', () => {
		expect(parseCsv('a;b\n"x;y";"il a dit ""oui""\nfin"\n')).toEqual([
			['a', 'b'],
			['x;y', 'il a dit "oui"\nfin']
		]);
		expect(parseCsv('\uFEFFa,b\r\n1,2\r\n')).toEqual([
			['a', 'b'],
			['1', '2']
		]);
		const recs = recordsFromFile('x.csv', 'type,titre,segments,cpv\nclause,Titre,travaux;services,45000000-7');
		expect(recs[0]).toEqual({
			kind: 'clause',
			title: 'Titre',
			segments: ['travaux', 'services'],
			cpvCodes: ['45000000-7']
		});
		expect(() => recordsFromFile('x.json', '{oups')).toThrow(/JSON/);
		expect(() => recordsFromFile('x.csv', 'a,b\n1,2')).toThrow(/titre/);
	});
	it('escapes snippets and only adds <mark>', () => {
		expect(snippetHtml('<script>\u2063\u2062clause\u2062\u2063</script>')).toBe(
			'&lt;script&gt;<mark>clause</mark>&lt;/script&gt;'
		);
	});
	it('drops invalid search parameters from a URL instead of failing', () => {
		const p = searchParamsFromUrl(new URL('http://x/ressources?q=clause&family=nope&segment=travaux&page=0'));
		expect(p).toMatchObject({ q: 'clause', segment: 'travaux', page: 1, sort: 'relevance' });
		expect(p.family).toBeUndefined();
	});
});
