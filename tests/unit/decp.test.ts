// DECP reader and indicator computation, on the files the project ships, on every file of ../shared/fixtures/decp
// when that folder exists, and on random input (never a crash).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeIndicators, type ContractState } from '../../src/lib/server/decp/compute';
import { decpDate, readDecp, type DecpRow } from '../../src/lib/server/decp/parse';
import { decodeXmlText } from '../../src/lib/server/decp/xml';

const HERE = resolve('tests/fixtures/decp');
const SHARED = resolve('../shared/fixtures/decp');
const SIRET = '99990007900011';
const read = (name: string) => readFileSync(join(HERE, name));

/** Latest state of each contract, as the service builds it from the stored rows. */
function states(rows: DecpRow[]): ContractState[] {
	const latest = new Map<string, DecpRow & { mods: number }>();
	for (const r of rows) {
		const key = `${r.buyerSiret}|${r.contractId}`;
		const prev = latest.get(key);
		if (!prev || r.modificationId > prev.modificationId) latest.set(key, { ...r, mods: (prev?.mods ?? -1) + 1 });
		else prev.mods++;
	}
	return [...latest.entries()].map(([key, r]) => ({
		key,
		contractId: r.contractId,
		buyerSiret: r.buyerSiret,
		object: r.object,
		procedure: r.procedure,
		notifiedOn: r.notifiedOn,
		year: r.year,
		amount: r.amount,
		amountFlagged: r.amountFlagged,
		offers: r.offers,
		innovative: r.innovative,
		social: r.social,
		environmental: r.environmental,
		holderCategory: r.holderCategory,
		modifications: r.mods
	}));
}

describe('DECP reader', () => {
	it('reads the 2024 JSON format, keeps valid records and rejects each invalid one with a reason', () => {
		const r = readDecp(read('decp-2024-demo-val-d-aurence.json'), { buyers: ['999900079'] });
		expect(r.error).toBeNull();
		expect(r.format).toBe('json_2024');
		expect(r.total).toBe(21);
		expect(r.accepted).toBe(17);
		expect(r.rejections.map((x) => [x.id, x.reason])).toEqual([
			['2024-013', expect.stringMatching(/SIRET de l'acheteur invalide/)],
			['2024-014', expect.stringMatching(/acheteur 21310555400017 : ce n'est pas un SIRET de votre collectivité/)],
			['2024-015', expect.stringMatching(/procédure inconnue : «\u00a0Gré à gré\u00a0»/)],
			['2024-016', 'date de notification absente']
		]);
		expect(r.accepted + r.rejections.length).toBe(r.total);
		// one modification (2024-004) gives a second row with the new amount
		expect(r.rows).toHaveLength(18);
		const mod = r.rows.find((x) => x.contractId === '2024-004' && x.modificationId === 1)!;
		expect(mod.amount).toBe(1_310_000);
		// the aberrant amount is kept and flagged; the date with a time zone is read; empty lists mean unknown
		expect(r.flagged).toBe(1);
		expect(r.rows.find((x) => x.contractId === '2024-011')!.amountFlagged).toBe(true);
		const tz = r.rows.find((x) => x.contractId === '2024-012')!;
		expect(tz.notifiedOn).toBe('2024-07-01');
		expect(tz.social).toBeNull();
		expect(tz.environmental).toBeNull();
		// without a buyer filter, the other buyer's record is kept
		expect(readDecp(read('decp-2024-demo-val-d-aurence.json')).accepted).toBe(18);
	});

	it('reads the XML 2024 format into the same rows as the JSON', () => {
		const xml = readDecp(read('decp-2024-demo-val-d-aurence.xml'));
		const json = readDecp(read('decp-2024-demo-val-d-aurence.json'));
		expect(xml.error).toBeNull();
		expect(xml.format).toBe('xml_2024');
		expect(xml.accepted).toBe(15);
		const strip = (rows: DecpRow[]) =>
			rows
				.filter((r) => r.contractId < '2024-011' || r.contractId.startsWith('2025'))
				.map((r) => ({ ...r, holders: r.holders.map((h) => h.id) }));
		expect(strip(xml.rows)).toEqual(strip(json.rows));
	});

	it('reads the 2019 format: flat list, dates with a time zone, old procedure labels, no considerations', () => {
		const r = readDecp(read('decp-2019-demo-val-d-aurence.json'));
		expect(r).toMatchObject({ format: 'json_2019', error: null, total: 5, accepted: 5 });
		expect(r.rows[0]).toMatchObject({
			notifiedOn: '2019-02-12',
			year: 2019,
			social: null,
			environmental: null,
			nature: 'Marché'
		});
		expect(r.rows[1].nature).toBe('Accord-cadre');
		expect(r.rows.find((x) => x.contractId === '2019-007')).toBeUndefined();
		const neg = readDecp(
			JSON.stringify({
				marches: [
					{
						...JSON.parse(read('decp-2019-demo-val-d-aurence.json').toString()).marches[0],
						procedure: 'Procédure négociée avec mise en concurrence préalable'
					}
				]
			})
		);
		expect(neg.rows[0].procedure).toBe('Procédure avec négociation');
	});

	it('reads real flows: the official example with modifications, GIP Maximilien (missing procedures, zero amounts), the non-conforming flattened file', () => {
		const ex = readDecp(read('decp-2024-official-example-marches_avec_modifications.json'));
		expect(ex.error).toBeNull();
		expect(ex.accepted + ex.rejections.length).toBe(ex.total);
		expect(ex.rows.some((r) => r.modificationId === 1 && r.amount === 123457.87)).toBe(true);
		const gip = readDecp(read('decp-2024-gip-maximilien-13001845000028-2024-10-06.json'), {
			buyers: ['13001845000028']
		});
		expect(gip).toMatchObject({ format: 'json_2024', total: 17, error: null });
		expect(gip.accepted).toBe(17);
		expect(gip.flagged).toBeGreaterThanOrEqual(4); // amounts of 0 €
		const flat = readDecp(read('decp-2024-gip-maximilien-13001845000028-2024-02-29-nonconforming.json'));
		expect(flat.format).toBe('json_2019');
		expect(flat.accepted + flat.rejections.length).toBe(1);
	});

	it('tolerates NaN in JSON and reports unreadable files without throwing', () => {
		const nan = readDecp(
			'{"marches":{"marche":[{"id":"A1","acheteur":{"id":"' +
				SIRET +
				'"},"nature":"Marché","procedure":"Procédure adaptée","dateNotification":"2024-01-02","montant":50000,"offresRecues":NaN}]}}'
		);
		expect(nan).toMatchObject({ error: null, accepted: 1 });
		expect(nan.rows[0].offers).toBeNull();
		expect(readDecp('').error).toMatch(/ni du JSON ni du XML/);
		expect(readDecp('{"marches": ').error).toMatch(/JSON est mal formé/);
		expect(readDecp('{"foo": []}').error).toMatch(/Structure inconnue/);
		expect(readDecp('<marches><marche><id>1</marche>').error).toMatch(/XML/);
		expect(readDecp(new Uint8Array([0xff, 0xfe, 0x00, 0x01])).error).not.toBeNull();
	});

	it('dates: calendar dates only, time-zone suffixes removed', () => {
		expect(decpDate('2024-02-29')).toBe('2024-02-29');
		expect(decpDate('2023-02-29')).toBeNull();
		expect(decpDate('2018-12-31+01:00')).toBe('2018-12-31');
		expect(decpDate('2024-03-05T00:00:00Z')).toBe('2024-03-05');
		expect(decpDate('05/03/2024')).toBeNull();
	});

	it('never throws on random input', () => {
		fc.assert(
			fc.property(fc.array(fc.jsonValue(), { maxLength: 8 }), fc.boolean(), (records, flat) => {
				const text = JSON.stringify(flat ? { marches: records } : { marches: { marche: records } });
				const r = readDecp(text, { buyers: ['999900079'] });
				expect(r.accepted + r.rejections.length).toBe(r.total);
			}),
			{ numRuns: 300 }
		);
		fc.assert(
			fc.property(fc.string({ maxLength: 300 }), (s) => {
				const r = readDecp(s);
				expect(r.error === null || typeof r.error === 'string').toBe(true);
			}),
			{ numRuns: 300 }
		);
	});
});

describe('DECP indicators', () => {
	const contracts = states(readDecp(read('decp-2024-demo-val-d-aurence.json'), { buyers: ['999900079'] }).rows);

	it('computes the 2024 figures with the contracts behind each', () => {
		const r = computeIndicators(contracts, 2024);
		expect(r.total).toBe(12);
		expect(r.flagged).toBe(1);
		expect(r.knownConsiderations).toBe(11); // 2024-012 has empty lists
		const f = (id: string) => r.figures.find((x) => x.id === id)!;
		expect(f('social_any')).toMatchObject({ count: 5, base: 11, pctCount: 45.5 });
		expect(
			f('social_any')
				.contracts.map((k) => k.split('|')[1])
				.sort()
		).toEqual(['2024-001', '2024-002', '2024-004', '2024-006', '2024-010']);
		expect(f('social_clause_sociale')).toMatchObject({ count: 3 });
		expect(f('social_critere_social')).toMatchObject({ count: 2 });
		expect(f('social_marche_reserve')).toMatchObject({ count: 1 });
		expect(f('env_any')).toMatchObject({ count: 7, base: 11, pctCount: 63.6 });
		expect(f('env_critere_environnemental').count).toBe(4);
		expect(f('innovative')).toMatchObject({ count: 1, base: 12 });
		// holders: categories given for every contract (GE for one in three)
		expect(f('sme').base).toBe(12);
		// the flagged 4.85 bn€ is never summed; 2024-004 counts with its modified amount
		const expectedValue = 184000 + 96000 + 420000 + 1310000 + 58000 + 72000 + 140000 + 310000 + 45000 + 88000 + 41000;
		expect(r.totalValue).toBe(expectedValue);
		expect(f('social_any').value).toBe(184000 + 96000 + 1310000 + 72000 + 88000);
		expect(r.meanOffers).toMatchObject({ value: 3.7, base: 12 });
		expect(r.procedures.reduce((s, p) => s + p.count, 0)).toBe(12);
	});

	it('applies the thresholds (≥ 40 000 € HT, > 100 000 € HT)', () => {
		expect(computeIndicators(contracts, 2024, 'ge40k').total).toBe(11);
		const big = computeIndicators(contracts, 2024, 'gt100k');
		expect(big.total).toBe(5);
		expect(big.figures.find((x) => x.id === 'social_any')).toMatchObject({ count: 2, base: 5, pctCount: 40 });
	});
});

describe('every DECP file (project fixtures, and ../shared/fixtures/decp when present)', () => {
	const dirs = [HERE, ...(existsSync(SHARED) ? [SHARED] : [])];
	const files = dirs.flatMap((d) =>
		readdirSync(d)
			.filter((f) => /\.(json|xml)$/.test(f))
			.map((f) => join(d, f))
	);

	it.each(files)('%s: no crash, consistent counts', (file) => {
		const r = readDecp(readFileSync(file));
		expect(r.error).toBeNull();
		expect(r.total).toBeGreaterThan(0);
		expect(r.accepted + r.rejections.length).toBe(r.total);
		expect(r.rows.length).toBeGreaterThanOrEqual(r.accepted);
		for (const row of r.rows) {
			expect(row.buyerSiret).toMatch(/^[0-9]{14}$/);
			expect(row.notifiedOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
			expect(row.amountFlagged || (row.amount !== null && row.amount >= 200)).toBe(true);
		}
		const all = states(r.rows);
		expect(all.length).toBe(r.accepted);
		for (const year of new Set(all.map((c) => c.year))) {
			const ind = computeIndicators(all, year);
			expect(ind.total).toBe(all.filter((c) => c.year === year).length);
			for (const fig of ind.figures) {
				expect(fig.count).toBeLessThanOrEqual(fig.base);
				expect(fig.contracts).toHaveLength(fig.count);
			}
			expect(ind.procedures.reduce((s, p) => s + p.count, 0)).toBeLessThanOrEqual(ind.total);
		}
	});
});

describe('DECP XML: no entity expansion', () => {
	const laughs = [
		'<?xml version="1.0"?>',
		'<!DOCTYPE marches [',
		' <!ENTITY lol "lol">',
		...Array.from({ length: 9 }, (_, i) => ` <!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`),
		']>',
		'<marches><marche><id>&lol9;</id><objet>&lol9;</objet></marche></marches>'
	].join('\n');

	it('refuses a « billion laughs » file and external entities (within the test timeout: nothing is expanded), with a French message', () => {
		const r = readDecp(laughs, { buyers: [SIRET] });
		expect(r.error).toMatch(/déclare des entités.*refusé par sécurité/);
		expect(r.rows).toEqual([]);
		const external = readDecp(
			'<?xml version="1.0"?><!DOCTYPE marches [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><marches><marche><objet>&xxe;</objet></marche></marches>'
		);
		expect(external.error).toMatch(/entités/);
	});

	it('decodes the predefined entities and character references of real fields, once', () => {
		const xml = read('decp-2024-demo-val-d-aurence.xml')
			.toString('utf-8')
			.replace(
				'<objet>Nettoyage des locaux administratifs</objet>',
				'<objet>Nettoyage &amp; entretien &lt;lot&#160;1&gt; &quot;A&quot; l&apos;été &#x2014; &amp;lt; &unknown;</objet>'
			);
		const r = readDecp(xml, { buyers: [SIRET] });
		expect(r.error).toBeNull();
		expect(r.rows.find((row) => row.contractId === '2024-001')?.object).toBe(
			'Nettoyage & entretien <lot\u00a01> "A" l\'été — &lt; &unknown;'
		);
	});

	it('reads a file with a DOCTYPE naming an external DTD without fetching it (no entity is declared)', () => {
		const xml = read('decp-2024-demo-val-d-aurence.xml')
			.toString('utf-8')
			.replace('<marches>', '<!DOCTYPE marches SYSTEM "http://127.0.0.1:9/decp.dtd">\n<marches>');
		const r = readDecp(xml, { buyers: [SIRET] });
		expect(r.error).toBeNull();
		expect(r.accepted).toBe(15);
	});

	it('decodeXmlText leaves invalid references as written', () => {
		expect(decodeXmlText('&#0; &#xD800; &#99999999; &amp;amp;')).toBe('&#0; &#xD800; &#99999999; &amp;');
	});
});
