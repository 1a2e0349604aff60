/**
 * RLS matrix rows of the indicators capability. Raw values, imported contracts and import runs are readable by
 * the members of their collectivité only (not by network animators, not by platform admins through the API roles):
 * statistics over other collectivités go through app.benchmark_stat only (tests/integration/benchmark.test.ts).
 *
 *   dA, dB   custom indicators of A and of B (canonical catalogue rows are labelled « catalogue »)
 *   vA, vB, vC  values of A, B, C for CAN-SOC-01 in 2024
 *   rA, rB   DECP import runs of A and B; contracts A:X1 and B:X1
 *   N1       benchmark settings of network N1 (k = 5)
 *   bA       a bilan of SPASER sA for A
 *   pub      a benchmark publication (its date is public to the signed-in; its contributions and cells are read by
 *            app.benchmark_stat only: no grant at all)
 */
import type { Tx } from '../../../src/lib/server/db';
import { NETWORKS, ORGS, SPASERS } from '../rls-fixture';
import { closed, DENIED_ALL, type RlsExtension } from '../rls-types';

const x = (k: number) => `c7000000-0000-4000-8000-${String(k).padStart(12, '0')}`;
export const INDICATOR_IDS = {
	dA: x(1),
	dB: x(2),
	vA: x(3),
	vB: x(4),
	vC: x(5),
	rA: x(6),
	rB: x(7),
	bA: x(8),
	pub: x(9)
} as const;
const I = INDICATOR_IDS;

export const extension: RlsExtension = {
	ids: { ...I },
	async build(tx: Tx) {
		await tx.query(
			`insert into public.indicator_definitions (id, org_id, code, label, domain, unit) values
			   ($1, $3, 'LOC-A', 'Indicateur propre de A', 'autre', 'count'), ($2, $4, 'LOC-B', 'Indicateur propre de B', 'autre', 'count')`,
			[I.dA, I.dB, ORGS.A, ORGS.B]
		);
		const [soc] = await tx.query<{ id: string }>(
			`select id from public.indicator_definitions where code = 'CAN-SOC-01' and org_id is null`
		);
		for (const [id, org, value] of [
			[I.vA, ORGS.A, 21],
			[I.vB, ORGS.B, 14],
			[I.vC, ORGS.C, 30]
		] as const)
			await tx.query(
				`insert into public.indicator_values (id, org_id, indicator_id, year, value) values ($1, $2, $3, 2024, $4)`,
				[id, org, soc.id, value]
			);
		for (const [id, org] of [
			[I.rA, ORGS.A],
			[I.rB, ORGS.B]
		] as const) {
			await tx.query(
				`insert into public.decp_import_runs (id, org_id, file_name, format, sha256, total, accepted, inserted) values ($1, $2, 'decp.json', 'json_2024', repeat('a', 64), 1, 1, 1)`,
				[id, org]
			);
			await tx.query(
				`insert into public.decp_contracts (org_id, buyer_siret, contract_id, import_run_id, format, notified_on, year, amount, social, environmental)
				 values ($1, '21750001600001', 'X1', $2, 'json_2024', '2024-03-01', 2024, 50000, '{Clause sociale}', '{}')`,
				[org, id]
			);
		}
		await tx.query(`insert into public.benchmark_settings (network_id, k) values ($1, 5)`, [NETWORKS.N1]);
		await tx.query(
			`insert into public.indicator_bilans (id, document_id, org_id, year_from, year_to, data) values ($1, $2, $3, 2024, 2025, '{"rows": []}')`,
			[I.bA, SPASERS.sA, ORGS.A]
		);
		await tx.query(`insert into public.benchmark_publications (id, trigger) values ($1, 'nightly')`, [I.pub]);
		await tx.query(
			`insert into public.benchmark_contributions (publication_id, indicator_id, year, org_id, value, kind, size, scopes)
			 values ($1, $2, 2024, $3, 21, 'commune', 's', array['n:' || $4::text])`,
			[I.pub, soc.id, ORGS.A, NETWORKS.N1]
		);
		await tx.query(
			`insert into public.benchmark_cells (publication_id, indicator_id, year, scope, kind, size, n, median) values ($1, $2, 2024, 'n:' || $3::text, '*', '*', 5, 20)`,
			[I.pub, soc.id, NETWORKS.N1]
		);
	},
	matrix: {
		indicator_definitions: {
			key: `case when org_id is null then 'catalogue' else id::text end`,
			set: 'label = label',
			insert: `insert into public.indicator_definitions (org_id, code, label, domain, unit) values ('${ORGS.A}', 'LOC-NEW', 'Nouvel indicateur', 'autre', 'count')`,
			expect: {
				//          anon      outsider          viewer          editor          admin           animN2       animN1       platform
				select: [
					'denied',
					'catalogue dB',
					'catalogue dA',
					'catalogue dA',
					'catalogue dA',
					'catalogue',
					'catalogue',
					'catalogue'
				],
				insert: ['denied', 'rls', 'rls', 'ok', 'ok', 'rls', 'rls', 'rls'],
				update: ['denied', 'dB', '-', 'dA', 'dA', '-', '-', '-'],
				delete: ['denied', 'dB', '-', 'dA', 'dA', '-', '-', '-']
			}
		},
		indicator_reference_lines: {
			key: `'ref'`,
			set: 'value = value',
			insert: `insert into public.indicator_reference_lines (indicator_code, year, value, kind, label, source, source_year) values ('CAN-SOC-01', 2030, 1, 'cible', 'Essai', 'Essai', 2030)`,
			expect: {
				select: ['denied', 'ref', 'ref', 'ref', 'ref', 'ref', 'ref', 'ref'],
				insert: DENIED_ALL,
				update: DENIED_ALL,
				delete: DENIED_ALL
			}
		},
		indicator_values: {
			key: 'id',
			set: 'value = value',
			insert: `insert into public.indicator_values (org_id, indicator_id, year, value) select '${ORGS.A}', d.id, 2030, 1 from public.indicator_definitions d where d.code = 'CAN-ENV-01' and d.org_id is null`,
			expect: {
				select: ['denied', 'vB', 'vA', 'vA', 'vA', '-', '-', '-'],
				insert: ['denied', 'rls', 'rls', 'ok', 'ok', 'rls', 'rls', 'rls'],
				update: ['denied', 'vB', '-', 'vA', 'vA', '-', '-', '-'],
				delete: ['denied', 'vB', '-', 'vA', 'vA', '-', '-', '-']
			}
		},
		decp_import_runs: {
			key: 'id',
			set: 'total = total',
			insert: `insert into public.decp_import_runs (org_id, file_name, format, sha256) values ('${ORGS.A}', 'f.json', 'json_2024', repeat('b', 64))`,
			expect: {
				select: ['denied', 'rB', 'rA', 'rA', 'rA', '-', '-', '-'],
				insert: ['denied', 'rls', 'rls', 'ok', 'ok', 'rls', 'rls', 'rls'],
				update: DENIED_ALL,
				delete: DENIED_ALL
			}
		},
		decp_contracts: {
			key: `org_id::text || ':' || contract_id`,
			set: 'amount = amount',
			insert: `insert into public.decp_contracts (org_id, buyer_siret, contract_id, format, notified_on, year) values ('${ORGS.A}', '21750001600001', 'X2', 'json_2024', '2024-01-01', 2024)`,
			expect: {
				select: ['denied', 'B:X1', 'A:X1', 'A:X1', 'A:X1', '-', '-', '-'],
				insert: ['denied', 'rls', 'rls', 'ok', 'ok', 'rls', 'rls', 'rls'],
				update: DENIED_ALL,
				delete: DENIED_ALL
			}
		},
		benchmark_settings: {
			key: 'network_id',
			set: 'k = k',
			insert: `insert into public.benchmark_settings (network_id, k) values ('${NETWORKS.N2}', 5)`,
			expect: {
				select: ['denied', 'N1', 'N1', 'N1', 'N1', 'N1', 'N1', 'N1'],
				insert: ['denied', 'rls', 'rls', 'rls', 'rls', 'ok', 'rls', 'ok'],
				update: ['denied', '-', '-', '-', '-', '-', 'N1', 'N1'],
				delete: DENIED_ALL
			}
		},
		benchmark_publications: {
			key: 'id',
			set: 'trigger = trigger',
			insert: `insert into public.benchmark_publications (trigger) values ('manual')`,
			expect: {
				select: ['denied', 'pub', 'pub', 'pub', 'pub', 'pub', 'pub', 'pub'],
				insert: DENIED_ALL,
				update: DENIED_ALL,
				delete: DENIED_ALL
			}
		},
		benchmark_contributions: closed(
			`org_id::text`,
			`insert into public.benchmark_contributions (publication_id, indicator_id, year, org_id, value, kind, size, scopes) select '${I.pub}', d.id, 2023, '${ORGS.A}', 1, 'commune', 's', '{}' from public.indicator_definitions d where d.code = 'CAN-ENV-01' and d.org_id is null`,
			'value = value'
		),
		benchmark_cells: closed(
			`scope`,
			`insert into public.benchmark_cells (publication_id, indicator_id, year, scope, kind, size, n, median) select '${I.pub}', d.id, 2023, 'n:${NETWORKS.N1}', '*', '*', 5, 20 from public.indicator_definitions d where d.code = 'CAN-SOC-01' and d.org_id is null`,
			'median = median'
		),
		indicator_bilans: {
			key: 'id',
			set: 'year_to = year_to',
			insert: `insert into public.indicator_bilans (document_id, org_id, year_from, year_to, data) values ('${SPASERS.sA}', '${ORGS.A}', 2024, 2025, '{}')`,
			expect: {
				select: ['denied', '-', 'bA', 'bA', 'bA', '-', '-', '-'],
				insert: ['denied', 'rls', 'rls', 'ok', 'ok', 'rls', 'rls', 'rls'],
				update: DENIED_ALL,
				delete: DENIED_ALL
			}
		}
	}
};
