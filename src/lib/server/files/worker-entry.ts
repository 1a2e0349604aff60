/**
 * The entry of the file worker thread (see worker-pool.ts). The pool loads this module only to learn its URL,
 * with a dynamic import so that the bundler gives it a chunk of its own: the same URL then names this code under
 * vitest and `npm run dev` (the .ts source, loaded through tsx) and in the built app (a chunk under build/server).
 * In the worker, it runs the tasks it is sent, one at a time (tasks.ts, loaded lazily), and posts each result or
 * error back.
 */
import { setPriority } from 'node:os';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';

export const WORKER_URL = import.meta.url;

interface Failure {
	code: string;
	status: number;
	message: string;
	details?: Record<string, unknown>;
}

if (!isMainThread && parentPort && (workerData as { spaserFileWorker?: number } | null)?.spaserFileWorker === 1) {
	const port = parentPort;
	// Below the request thread: on Linux the nice value is per thread (setpriority on the calling thread), so a
	// long conversion only takes CPU time that the pages do not need.
	try {
		setPriority(10);
	} catch {
		/* not permitted: the pool's size still bounds the cores taken */
	}
	// One task at a time (the pool sends the next one only after the answer).
	port.on('message', async (task: unknown) => {
		try {
			const { runTask } = await import('./tasks');
			port.postMessage({ ok: true, result: await runTask(task as Parameters<typeof runTask>[0]) });
		} catch (e) {
			const err = e as Partial<Failure> & { name?: string; stack?: string };
			const known = err?.name === 'AppError' && typeof err.code === 'string' && typeof err.status === 'number';
			port.postMessage({
				ok: false,
				error: known
					? ({
							code: err.code!,
							status: err.status!,
							message: String(err.message),
							details: err.details
						} satisfies Failure)
					: { code: 'worker_failed', status: 500, message: String(err?.stack ?? e).slice(0, 2000) }
			});
		}
	});
}
