export type Row = Record<string, unknown>;

/** Anything that runs SQL with `$1…$n` parameters. Both engines return plain rows. */
export interface Queryable {
	query<T = Row>(text: string, params?: readonly unknown[]): Promise<T[]>;
	/** Runs a script of several statements without parameters (migrations, seeds). */
	exec(script: string): Promise<void>;
}

export type Tx = Queryable;

export interface Database extends Queryable {
	readonly kind: 'pglite' | 'postgres';
	/** One transaction; everything `fn` runs through `tx` commits or rolls back together. */
	transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
	close(): Promise<void>;
	/**
	 * LISTEN on a channel (Postgres only: the embedded engine serves one process). `onListen` runs each time the
	 * listening connection is (re)established — notifications sent while it was down are lost, so callers resync
	 * there. Resolves to a function that stops listening.
	 */
	listen?(channel: string, onMessage: (payload: string) => void, onListen?: () => void): Promise<() => Promise<void>>;
}

/** The authenticated person a request runs for (null: anonymous visitor). */
export interface Actor {
	id: string;
	email?: string;
}
