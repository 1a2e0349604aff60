// Hostile editor vs another tenant, collaboration arm alone (issue 14, item 2): `npm run bench -- hostile-collab`.
//
// On each engine (embedded PGlite, then a throwaway PostgreSQL 15), one editor of one collectivité sends
// 20 × 480 KB Yjs updates over a minute and one 6 MB update over the collaboration websocket, while an admin of
// another collectivité loads /collectivites; see bench/lib/hostile-collab.ts. Target: that page's p95 during the
// attack ≤ 2 × its p95 without it, on both engines.
// Last line: RESULT collab_other_p95_ratio_pglite=… collab_other_p95_ratio_pg=… (+ the p95s in ms)
//
// Env: BENCH_NO_BUILD=1 reuses build/; BENCH_COLLAB_BASELINE_S / BENCH_COLLAB_ATTACK_S (default 20 / 60).
import { buildApp } from './lib/app.js';
import { runCollabArm, type Engine } from './lib/hostile-collab';

async function main() {
	buildApp();
	const results: Record<Engine, Awaited<ReturnType<typeof runCollabArm>>> = {} as never;
	for (const engine of ['pglite', 'postgres'] as const) {
		console.log(`bench hostile-collab: ${engine} …`);
		const r = await runCollabArm({ engine });
		results[engine] = r;
		console.log(
			`${engine}: other tenant's ${String(r.details.page)} p95 ${r.p95NoAttackMs} ms without attack, ${r.p95AttackMs} ms during it (ratio ${r.ratio})`
		);
		console.log(JSON.stringify(r.details));
	}
	const { pglite, postgres } = results;
	console.log(
		`RESULT collab_other_p95_ratio_pglite=${pglite.ratio} collab_other_p95_ratio_pg=${postgres.ratio}` +
			` p95_no_attack_ms_pglite=${pglite.p95NoAttackMs} p95_attack_ms_pglite=${pglite.p95AttackMs}` +
			` p95_no_attack_ms_pg=${postgres.p95NoAttackMs} p95_attack_ms_pg=${postgres.p95AttackMs}`
	);
}

main().catch((e) => {
	console.error(e);
	process.exit(1);
});
