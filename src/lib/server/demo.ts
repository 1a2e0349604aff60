import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Database } from './db';
import { asService } from './db';
import { log } from '$lib/server/kit/log';
import { config } from '$lib/server/kit/config';
import { buildTemplate } from '../spaser/templates';
import { importContent } from '../spaser/ydoc';
import { changeLiveDoc } from './spaser/live';
import { projectDocument } from './spaser/projection';

/** Fixed ids of the demo SPASER (Agglomération du Val d'Aurence), so loading twice changes nothing. */
export const DEMO_SPASER_ID = 'de000000-0000-4000-8003-000000000001';
const DEMO_ORG_ID = 'de000000-0000-4000-8001-000000000001';
const DEMO_AUTHOR_ID = 'de000000-0000-4000-8000-000000000003';

/**
 * Loads supabase/seed.sql (clearly fictional demo network), then each capability's supabase/seeds/*.sql in
 * file-name order (the same files the Supabase CLI's [db.seed] sql_paths lists), and a demo SPASER; idempotent.
 */
export async function loadDemoData(db: Database) {
	const main = resolve(config.seedFile);
	const dir = join(main, '..', 'seeds');
	const files = [
		main,
		...(existsSync(dir)
			? readdirSync(dir)
					.filter((f) => f.endsWith('.sql'))
					.sort()
					.map((f) => join(dir, f))
			: [])
	];
	for (const file of files) {
		const sql = readFileSync(file, 'utf8');
		await db.transaction((tx) => tx.exec(sql));
	}
	await loadDemoSpaser(db);
	await publishDemoBenchmarks(db);
	log.info('demo data loaded');
}

async function loadDemoSpaser(db: Database) {
	const created = await asService(db, 'demo data', async (tx) => {
		const org = await tx.query('select 1 from public.organisations where id = $1', [DEMO_ORG_ID]);
		if (!org.length) return false;
		const rows = await tx.query(
			`insert into public.spaser_documents (id, slug, title, period_start, period_end, template_key, shared_with_networks, created_by)
			 values ($1, 'spaser-2026-2029', 'SPASER 2026-2029 de l''Agglomération du Val d''Aurence', 2026, 2029, 'cinq_axes', true, $2)
			 on conflict (id) do nothing returning id`,
			[DEMO_SPASER_ID, DEMO_AUTHOR_ID]
		);
		if (!rows.length) return false;
		await tx.query(
			'insert into public.spaser_document_orgs (document_id, org_id, is_lead) values ($1, $2, true) on conflict do nothing',
			[DEMO_SPASER_ID, DEMO_ORG_ID]
		);
		return true;
	});
	if (!created) return;
	const content = buildTemplate('cinq_axes', { periodStart: 2026, periodEnd: 2029 });
	const doc = await changeLiveDoc(db, DEMO_SPASER_ID, (d) => importContent(d, content));
	await projectDocument(db, DEMO_SPASER_ID, doc);
}

/** The demo shows figures at once: a first consolidated publication of the benchmark statistics, if none exists. */
async function publishDemoBenchmarks(db: Database) {
	await asService(db, 'demo data: first benchmark publication', async (tx) => {
		const [any] = await tx.query('select 1 from public.benchmark_publications limit 1');
		if (!any) await tx.query(`select app.benchmark_publish_now('demo')`);
	});
}
