/**
 * Runs file conversions (tasks.ts) in worker threads, so that a hostile upload can never block the request
 * thread or exhaust the process's memory:
 *
 * - workers with a V8 heap limit (`resourceLimits`): a file that needs more fails its own request (422), the
 *   process does not notice; a worker is reused only after small files that went well (see `idle`), so a large or
 *   failed conversion always gives its memory back;
 * - a wall-time limit: the worker is terminated and the request answered 422;
 * - a small bounded pool: at most FILE_WORKERS tasks at once (default: CPUs − 1, at least 1, at most 2), the
 *   others wait in a short queue; a full queue answers 503, and one user may have only a few files in progress
 *   (429), so concurrent hostile uploads cannot take every core.
 *
 * The worker runs worker-entry.ts: under vitest and `npm run dev` its .ts source through tsx, in the built app
 * its own chunk under build/server (see worker-entry.ts).
 */
import { Worker } from 'node:worker_threads';
import { AppError } from '$lib/server/kit/errors';
import { log } from '$lib/server/kit/log';
import { config } from '$lib/server/kit/config';
import { tooComplex } from './limits';
import type { FileTask } from './tasks';

export const POOL = {
	/** Tasks running at once in this process. */
	workers: config.files.workers,
	/** Tasks waiting for a worker; beyond, 503. */
	queue: config.files.queue,
	/** Tasks of one user running or waiting; beyond, 429. */
	perUser: config.files.perUser,
	/** Longest wait in the queue before 503. */
	queueWaitMs: config.files.queueWaitMs
};

/** Heap (MB) and time (ms) of each kind of task. */
const BUDGET: Record<FileTask['kind'], { heapMb: number; timeoutMs: number }> = {
	'docx-import': { heapMb: 320, timeoutMs: 20_000 },
	detect: { heapMb: 256, timeoutMs: 20_000 },
	'extract-text': { heapMb: 256, timeoutMs: 20_000 },
	'xlsx-rows': { heapMb: 256, timeoutMs: 20_000 },
	'office-check': { heapMb: 128, timeoutMs: 10_000 },
	decp: { heapMb: 384, timeoutMs: 30_000 }
};

/** What the pool did, for tests and benches (never used to decide anything). */
export const poolStats = {
	spawned: 0,
	started: 0,
	finished: 0,
	killedTime: 0,
	killedMemory: 0,
	refusedBusy: 0,
	refusedUser: 0
};

let running = 0;
const waiting: { owner: string; start: () => void; cancel: (e: AppError) => void }[] = [];
const perOwner = new Map<string, number>();

export const busy = () =>
	new AppError(
		'server_busy',
		'Le serveur lit déjà beaucoup de fichiers en ce moment\u00a0: réessayez dans une minute.',
		503,
		{ retryAfter: 60 }
	);
export const userBusy = () =>
	new AppError(
		'too_many_files',
		'Vous avez déjà des fichiers en cours de lecture\u00a0: attendez qu’ils soient terminés avant d’en envoyer un autre.',
		429,
		{
			retryAfter: 30
		}
	);

let workerUrl: Promise<URL> | null = null;
/** The worker entry's URL (a dynamic import, so that the build gives it its own chunk). */
function entryUrl(): Promise<URL> {
	workerUrl ??= import('./worker-entry').then((m) => new URL(m.WORKER_URL));
	return workerUrl;
}

interface PooledWorker {
	worker: Worker;
	heapMb: number;
	uses: number;
	stderr: string;
	idleTimer?: ReturnType<typeof setTimeout>;
}

function spawn(url: URL, heapMb: number): PooledWorker {
	poolStats.spawned++;
	const options = {
		workerData: { spaserFileWorker: 1, url: url.href },
		resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 },
		stdout: true,
		stderr: true
	};
	// Source (.ts, vitest / vite dev): loaded through tsx, from an evaluated bootstrap.
	const worker = url.pathname.endsWith('.ts')
		? new Worker(
				`const { workerData } = require('node:worker_threads');
			 import('tsx/esm/api').then((m) => m.tsImport(workerData.url, workerData.url)).catch((e) => { process.stderr.write(String((e && e.stack) || e) + '\\n'); process.exit(70); });`,
				{ ...options, eval: true }
			)
		: new Worker(url, options);
	const pooled: PooledWorker = { worker, heapMb, uses: 0, stderr: '' };
	// The parsers' own console output (pdfjs warnings…) is dropped; the end of stderr is kept for the log.
	worker.stdout?.resume();
	worker.stderr?.on('data', (d: Buffer) => (pooled.stderr = (pooled.stderr + d.toString('utf8')).slice(-2000)));
	worker.unref();
	return pooled;
}

/**
 * Idle workers, by heap budget. A worker is kept (at most one per budget, for a few seconds) only after a task on a
 * small file that succeeded or was refused cleanly: repeated small uploads skip the start-up, while a worker that
 * read a large file, ran out of time or memory is never reused (its memory goes back at once).
 */
const idle = new Map<number, PooledWorker>();
const IDLE_MS = 15_000;
const REUSE_BELOW_BYTES = 1024 * 1024;
const MAX_USES = 100;

function taskSize(task: FileTask): number {
	return 'bytes' in task ? task.bytes.byteLength : task.text.length;
}

function acquire(url: URL, heapMb: number): PooledWorker {
	const kept = idle.get(heapMb);
	if (kept) {
		idle.delete(heapMb);
		clearTimeout(kept.idleTimer);
		return kept;
	}
	return spawn(url, heapMb);
}

function keepOrStop(w: PooledWorker, reusable: boolean) {
	w.worker.removeAllListeners('message').removeAllListeners('error').removeAllListeners('exit');
	if (!reusable || w.uses >= MAX_USES || idle.has(w.heapMb)) {
		void w.worker.terminate();
		return;
	}
	w.worker.once('exit', () => idle.get(w.heapMb) === w && idle.delete(w.heapMb));
	w.worker.once('error', () => undefined); // an idle worker that dies is only forgotten
	w.idleTimer = setTimeout(() => {
		if (idle.get(w.heapMb) === w) idle.delete(w.heapMb);
		void w.worker.terminate();
	}, IDLE_MS);
	w.idleTimer.unref();
	idle.set(w.heapMb, w);
}

type Reply<T> =
	| { ok: true; result: T }
	| { ok: false; error: { code: string; status: number; message: string; details?: Record<string, unknown> } };

function execute<T>(task: FileTask): Promise<T> {
	const { heapMb, timeoutMs } = BUDGET[task.kind];
	return entryUrl().then(
		(url) =>
			new Promise<T>((resolve, reject) => {
				poolStats.started++;
				const pooled = acquire(url, heapMb);
				const { worker } = pooled;
				pooled.uses++;
				let settled = false;
				const done = (reusable: boolean, fn: () => void) => {
					if (settled) return;
					settled = true;
					clearTimeout(timer);
					poolStats.finished++;
					keepOrStop(pooled, reusable && taskSize(task) < REUSE_BELOW_BYTES);
					fn();
				};
				const timer = setTimeout(() => {
					poolStats.killedTime++;
					done(false, () =>
						reject(tooComplex(`lecture interrompue au bout de ${Math.round(timeoutMs / 1000)}\u00a0secondes`))
					);
				}, timeoutMs);
				worker.on('message', (msg: Reply<T>) => {
					if (msg.ok) done(true, () => resolve(msg.result));
					else if (msg.error.status < 500)
						done(true, () =>
							reject(new AppError(msg.error.code, msg.error.message, msg.error.status, msg.error.details))
						);
					else done(false, () => reject(new Error(`file worker (${task.kind}): ${msg.error.message}`)));
				});
				worker.on('error', (e: Error & { code?: string }) => {
					if (e.code === 'ERR_WORKER_OUT_OF_MEMORY') {
						poolStats.killedMemory++;
						done(false, () => reject(tooComplex(`il demande plus de ${heapMb}\u00a0Mo de mémoire`)));
					} else done(false, () => reject(e));
				});
				worker.on('exit', (code) => {
					if (!settled) log.warn('file worker exited early', { kind: task.kind, code, stderr: pooled.stderr });
					done(false, () =>
						reject(code === 70 ? new Error('file worker could not start') : tooComplex('la lecture a échoué'))
					);
				});
				worker.postMessage(task);
			})
	);
}

/**
 * Runs a task in a worker thread, for `owner` (a user id): waits for a free worker (503 when the queue is full or
 * the wait too long, 429 when the owner already has POOL.perUser tasks), then applies the task's heap and time
 * limits. AppErrors of the task (413/422/400…) come back as they are.
 */
export function runFileTask<T>(owner: string, task: FileTask): Promise<T> {
	const mine = perOwner.get(owner) ?? 0;
	if (mine >= POOL.perUser) {
		poolStats.refusedUser++;
		return Promise.reject(userBusy());
	}
	if (running >= POOL.workers && waiting.length >= POOL.queue) {
		poolStats.refusedBusy++;
		return Promise.reject(busy());
	}
	perOwner.set(owner, mine + 1);
	const release = () => {
		const n = (perOwner.get(owner) ?? 1) - 1;
		if (n > 0) perOwner.set(owner, n);
		else perOwner.delete(owner);
	};
	const run = (): Promise<T> => {
		running++;
		return execute<T>(task).finally(() => {
			running--;
			release();
			waiting.shift()?.start();
		});
	};
	if (running < POOL.workers) return run();
	return new Promise<T>((resolve, reject) => {
		const item = {
			owner,
			start: () => {
				clearTimeout(timer);
				run().then(resolve, reject);
			},
			cancel: (e: AppError) => {
				release();
				reject(e);
			}
		};
		const timer = setTimeout(() => {
			const i = waiting.indexOf(item);
			if (i >= 0) waiting.splice(i, 1);
			poolStats.refusedBusy++;
			item.cancel(busy());
		}, POOL.queueWaitMs);
		waiting.push(item);
	});
}
