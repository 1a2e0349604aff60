/// <reference types="vite/client" />
import { asService, type Database } from '../../src/lib/server/db';
import { LABELS } from './rls-fixture';
import type { RlsExtension } from './rls-types';

/** The extensions of tests/helpers/rls/*.ts, in file-name order (imported after rls-fixture.ts is complete). */
export const RLS_EXTENSIONS: RlsExtension[] = Object.entries(
	import.meta.glob<{ extension: RlsExtension }>('./rls/*.ts', { eager: true })
)
	.sort(([a], [b]) => a.localeCompare(b))
	.map(([, mod]) => mod.extension);

for (const ext of RLS_EXTENSIONS)
	for (const [label, id] of Object.entries(ext.ids)) {
		if (LABELS.has(id)) throw new Error(`RLS fixture: id ${id} (${label}) is already labelled ${LABELS.get(id)}`);
		LABELS.set(id, label);
	}

/** Inserts every extension's rows with the service role; call after buildRlsFixture. */
export async function buildRlsExtensions(db: Database): Promise<void> {
	await asService(db, 'test fixture: rls matrix extensions', async (tx) => {
		for (const ext of RLS_EXTENSIONS) await ext.build(tx);
	});
}
