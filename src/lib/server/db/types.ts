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
}

/** The authenticated person a request runs for (null: anonymous visitor). */
export interface Actor {
	id: string;
	email?: string;
}
