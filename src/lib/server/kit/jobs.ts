// The one background-job runner of the process: every periodic job (e-mail outbox, Guichet reminders, offer
// expiry, retention, benchmark publication…) is started through `startJob`, so that they all behave alike:
// - single-flight: a run never overlaps the previous one of the same job (a slow database makes runs later, not
//   more numerous);
// - jitter: each wait is spread by up to `jitter` of the interval, so several instances do not hit the database
//   in step;
// - errors are logged with the job's name and never stop the job;
// - `stop()` (called on shutdown, see runtime.ts) clears the timer and resolves once a run in progress ends;
// - timers are unref'd: a job never keeps the process alive.
import { log } from './log';

export interface JobOptions {
	/** Milliseconds between the end of a run and the start of the next (before jitter). */
	intervalMs: number;
	/** First run after this many milliseconds (default: 0, i.e. at start; `null`: wait one interval). */
	firstRunMs?: number | null;
	/** Fraction of the interval added at random to each wait (0 to 1; default 0.1). */
	jitter?: number;
}

export interface Job {
	/** Runs the job now unless a run is in progress (then waits for that one); resolves when done. */
	runNow(): Promise<void>;
	/** Stops scheduling; resolves when a run in progress has ended. */
	stop(): Promise<void>;
}

export function startJob(name: string, run: () => Promise<unknown>, options: JobOptions): Job {
	const jitter = Math.min(Math.max(options.jitter ?? 0.1, 0), 1);
	let timer: ReturnType<typeof setTimeout> | null = null;
	let current: Promise<void> | null = null;
	let stopped = false;

	const once = (): Promise<void> => {
		if (current) return current;
		current = (async () => {
			try {
				await run();
			} catch (e) {
				log.error(`${name}: job error`, { error: String((e as Error)?.stack ?? e) });
			}
		})().finally(() => {
			current = null;
		});
		return current;
	};

	const schedule = (ms: number) => {
		if (stopped) return;
		timer = setTimeout(() => {
			timer = null;
			void once().then(() => schedule(options.intervalMs * (1 + Math.random() * jitter)));
		}, ms);
		timer.unref?.();
	};

	const first =
		options.firstRunMs === undefined ? 0 : options.firstRunMs === null ? options.intervalMs : options.firstRunMs;
	schedule(first);

	return {
		runNow: once,
		async stop() {
			stopped = true;
			if (timer) clearTimeout(timer);
			timer = null;
			if (current) await current;
		}
	};
}
