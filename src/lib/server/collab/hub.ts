// The state one collaboration server shares between its modules (rooms, connections, counters, flags), and the
// optional profiler (COLLAB_PROFILE=1, off by default): cheap timers and counters of the hot path, read by
// `npm run bench -- collab` to say where the fan-out time goes.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { WebSocketServer } from 'ws';
import type { Database } from '../db/types';
import { UserBudgets } from './limits';
import { stampIdentity } from './presence';
import {
	DEFAULT_LIMITS,
	type CollabLimits,
	type CollabStats,
	type CollabLogger,
	type CollabServerOptions,
	type Conn,
	type Room
} from './types';
import { config } from '$lib/server/kit/config';

/** The running counters of this server (the part of CollabStats that only grows). */
export type Counters = Pick<
	CollabStats,
	| 'bytesReceived'
	| 'bytesSent'
	| 'updatesStored'
	| 'bytesStored'
	| 'storeBatches'
	| 'storeErrors'
	| 'compactions'
	| 'docsUnloaded'
	| 'loadErrors'
	| 'readOnlyUpdatesDropped'
	| 'awarenessDropped'
	| 'throttled'
	| 'presenceRefused'
>;

/** Time (ms) and calls per named part of the work, plus plain counters. */
export interface CollabProfile {
	timers: Record<string, { ms: number; count: number }>;
	counts: Record<string, number>;
}

export class Profiler {
	private timers = new Map<string, { ms: number; count: number }>();
	private counts = new Map<string, number>();
	/** Event-loop delay: how long anything (this server, the app, the projection) kept the loop busy. */
	private loop: IntervalHistogram = monitorEventLoopDelay({ resolution: 5 });

	constructor() {
		this.loop.enable();
	}

	/** Adds the time since `t0` (a performance.now() reading) to `name`. */
	add(name: string, t0: number) {
		const ms = performance.now() - t0;
		const t = this.timers.get(name);
		if (t) {
			t.ms += ms;
			t.count++;
		} else this.timers.set(name, { ms, count: 1 });
	}

	count(name: string, n = 1) {
		this.counts.set(name, (this.counts.get(name) ?? 0) + n);
	}

	/** The totals so far; `reset` starts again from zero. */
	read(reset = false): CollabProfile {
		const out: CollabProfile = { timers: Object.fromEntries(this.timers), counts: Object.fromEntries(this.counts) };
		out.counts.loop_delay_p99_us = Math.round(this.loop.percentile(99) / 1000);
		out.counts.loop_delay_max_us = Math.round(this.loop.max / 1000);
		if (reset) {
			this.loop.reset();
			this.timers = new Map();
			this.counts = new Map();
		}
		return out;
	}
}

export interface Hub {
	opts: CollabServerOptions;
	db: Database;
	limits: CollabLimits;
	log: CollabLogger;
	stamp: NonNullable<CollabServerOptions['stampPresence']>;
	budgets: UserBudgets;
	wss: WebSocketServer;
	rooms: Map<string, Room>;
	/** Documents being flushed and compacted before they are dropped from memory. */
	unloading: Map<string, Promise<void>>;
	counters: Counters;
	refused: Record<string, number>;
	closes: Record<string, number>;
	/** This instance, in relay messages (its own are ignored). */
	instanceId: string;
	relayOn: boolean;
	closing: boolean;
	/** Set by close(): past it, a write queue that still cannot store gives up (the clients keep the changes). */
	closingDeadline: number | null;
	pendingUpgrades: number;
	nextConnId: number;
	/** Clock of the server's presence entry: strictly increasing across connections and restarts. */
	presenceClock: number;
	/** Connections whose socket is corked until the end of this event-loop turn (connection.ts send). */
	corked: Conn[];
	/** Non-null when profiling (COLLAB_PROFILE=1 or opts.profile). */
	prof: Profiler | null;
}

const silentLog: CollabLogger = { info() {}, warn() {}, error() {} };

export function createHub(opts: CollabServerOptions): Hub {
	const limits: CollabLimits = { ...DEFAULT_LIMITS, ...opts.limits };
	const { db } = opts;
	return {
		opts,
		db,
		limits,
		log: opts.log ?? silentLog,
		stamp: opts.stampPresence ?? stampIdentity,
		budgets: new UserBudgets(limits),
		wss: new WebSocketServer({
			noServer: true,
			// Memory bound only: messages up to this size are read, then judged by limits.ts (close 4414 / 4413 with
			// a code the stock client does not retry); beyond it ws closes with 1009.
			maxPayload: Math.max(limits.maxDocBytes, limits.maxSyncBytes) + 1024 * 1024,
			perMessageDeflate: false,
			// ws ≥ 8.19: how long a closing handshake may take before the socket is destroyed (not in @types/ws yet)
			...({ closeTimeout: 5_000 } as object)
		}),
		rooms: new Map(),
		unloading: new Map(),
		counters: {
			bytesReceived: 0,
			bytesSent: 0,
			updatesStored: 0,
			bytesStored: 0,
			storeBatches: 0,
			storeErrors: 0,
			compactions: 0,
			docsUnloaded: 0,
			loadErrors: 0,
			readOnlyUpdatesDropped: 0,
			awarenessDropped: 0,
			throttled: 0,
			presenceRefused: { 'server-id': 0, taken: 0, 'server-field': 0, 'too-many': 0 }
		},
		refused: {},
		closes: {},
		instanceId: Math.random().toString(36).slice(2, 10),
		relayOn: (opts.relay ?? db.kind === 'postgres') && typeof db.listen === 'function',
		closing: false,
		closingDeadline: null,
		pendingUpgrades: 0,
		nextConnId: 1,
		presenceClock: 0,
		corked: [],
		prof: (opts.profile ?? config.collabProfile) ? new Profiler() : null
	};
}

/** Counts a close by its code (stats().closes). */
export function countClose(hub: Hub, code: number) {
	hub.closes[code] = (hub.closes[code] ?? 0) + 1;
}
