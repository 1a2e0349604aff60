// The file worker pool (src/lib/server/files/worker-pool.ts): one person cannot occupy it (429), a full queue
// answers 503 with a French message and a Retry-After, and a refused file comes back as its own 422.
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/lib/server/kit/errors';
import { POOL, poolStats, runFileTask } from '../../src/lib/server/files/worker-pool';
import * as H from '../helpers/hostile-files';

const saved = { ...POOL };
afterEach(() => Object.assign(POOL, saved));

const task = () => ({ kind: 'office-check' as const, bytes: H.docxParagraphBomb(10_000, true), type: 'docx' as const });

describe('file worker pool', () => {
	it('one person may have two files in progress; the third is refused at once with 429', async () => {
		const runs = [runFileTask('alice', task()), runFileTask('alice', task()), runFileTask('alice', task())];
		const settled = await Promise.allSettled(runs);
		expect(settled.slice(0, 2).map((s) => s.status)).toEqual(['fulfilled', 'fulfilled']);
		const third = settled[2] as PromiseRejectedResult;
		expect(third.reason).toBeInstanceOf(AppError);
		expect(third.reason).toMatchObject({ status: 429, code: 'too_many_files', details: { retryAfter: 30 } });
		expect((third.reason as AppError).message).toMatch(/fichiers en cours de lecture/);
	});

	it('when every worker is busy and the queue is full, another person gets 503 with a French message', async () => {
		Object.assign(POOL, { workers: 1, queue: 0 });
		const first = runFileTask('bob', task());
		const refused = await runFileTask('carol', task()).catch((e: unknown) => e);
		expect(refused).toBeInstanceOf(AppError);
		expect(refused).toMatchObject({ status: 503, code: 'server_busy', details: { retryAfter: 60 } });
		expect((refused as AppError).message).toMatch(/réessayez dans une minute/);
		await first;
	});

	it('a hostile file is refused by its own task (422) in a worker, and the next task still runs', async () => {
		const started = poolStats.started;
		const err = await runFileTask('dave', { kind: 'office-check', bytes: H.docxDeep(500), type: 'docx' }).catch(
			(e: unknown) => e
		);
		expect(err).toMatchObject({ status: 422, code: 'file_too_complex' });
		await expect(runFileTask('dave', task())).resolves.toBeNull();
		expect(poolStats.started).toBe(started + 2);
	});
});
