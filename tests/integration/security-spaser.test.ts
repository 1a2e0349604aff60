import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { Database } from '../../src/lib/server/db';
import { AppError } from '../../src/lib/server/kit/errors';
import { createSpaserRecord, updateSpaserMetadata } from '../../src/lib/server/spaser/documents';
import {
	createVersion,
	getPublishedSpaser,
	getVersion,
	publishVersion,
	unpublishVersion
} from '../../src/lib/server/spaser/versions';
import { engines, openTestDb } from '../helpers/engines';
import { spaserWorld, type SpaserWorld } from './spaser-fixture';

async function rejects(p: Promise<unknown>): Promise<AppError> {
	try {
		await p;
	} catch (e) {
		expect(e).toBeInstanceOf(AppError);
		return e as AppError;
	}
	throw new Error('expected an error');
}

describe.each(engines)('security: versions are published from their own SPASER only (%s)', (kind) => {
	let db: Database;
	let w: SpaserWorld;

	beforeAll(async () => {
		db = await openTestDb(kind);
		w = await spaserWorld(db);
	});
	afterAll(() => db?.close());

	async function adopted(title: string) {
		const d = await createSpaserRecord(db, w.editorA, {
			orgIds: [w.orgA.id],
			leadOrgId: w.orgA.id,
			title,
			periodStart: 2026,
			periodEnd: 2029
		});
		await updateSpaserMetadata(db, w.editorA, d.id, { status: 'en_consultation' });
		await updateSpaserMetadata(db, w.editorA, d.id, {
			status: 'adopte',
			adoptedOn: '2025-12-15',
			deliberationRef: `DEL-${title}`
		});
		return d;
	}

	it('refuses a versionId of another SPASER when publishing or unpublishing from a SPASER page', async () => {
		const a = await adopted('SPASER A');
		const b = await adopted('SPASER B');
		const vb = await createVersion(db, w.editorA, b.id, new Y.Doc(), { kind: 'named', name: 'Version de B' });

		// From A's page (documentId = A), B's version is unknown: nothing published anywhere.
		const err = await rejects(publishVersion(db, w.editorA, vb.id, a.id));
		expect(err.status).toBe(404);
		expect((await getVersion(db, w.editorA, vb.id)).published_at).toBeNull();
		expect(await getPublishedSpaser(db, w.orgA.slug, b.slug)).toBeNull();

		// From B's own page it works, and A's page cannot unpublish it.
		await publishVersion(db, w.editorA, vb.id, b.id);
		expect(await getPublishedSpaser(db, w.orgA.slug, b.slug)).not.toBeNull();
		expect((await rejects(unpublishVersion(db, w.editorA, vb.id, a.id))).status).toBe(404);
		expect(await getPublishedSpaser(db, w.orgA.slug, b.slug)).not.toBeNull();
		await unpublishVersion(db, w.editorA, vb.id, b.id);
		expect(await getPublishedSpaser(db, w.orgA.slug, b.slug)).toBeNull();
	});
});
