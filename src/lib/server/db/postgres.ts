import postgres from 'postgres';
import type { Database, Queryable, Row } from './types';

type Sql = postgres.Sql | postgres.TransactionSql;

function wrap(sql: Sql): Queryable {
	return {
		async query<T = Row>(text: string, params: readonly unknown[] = []) {
			const rows = await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[]);
			return rows as unknown as T[];
		},
		async exec(script: string) {
			await sql.unsafe(script);
		}
	};
}

export interface PostgresOptions {
	max?: number;
	/** Prepared statements; turn off behind a transaction-mode pooler (Supabase port 6543). */
	prepare?: boolean;
}

export function openPostgres(url: string, opts: PostgresOptions = {}): Database & { sql: postgres.Sql } {
	const sql = postgres(url, {
		max: opts.max ?? 10,
		prepare: opts.prepare ?? true,
		onnotice: () => {},
		connection: { application_name: 'spaser-commun' },
		types: {
			int8: { to: 20, from: [20], serialize: (v: number) => String(v), parse: (v: string) => Number(v) },
			numeric: { to: 1700, from: [1700], serialize: (v: number) => String(v), parse: (v: string) => Number(v) },
			date: { to: 1082, from: [1082], serialize: (v: string) => v, parse: (v: string) => v }
		}
	});
	return {
		kind: 'postgres',
		sql,
		...wrap(sql),
		transaction: <T>(fn: (tx: Queryable) => Promise<T>) => sql.begin((tx) => fn(wrap(tx))) as Promise<T>,
		async listen(channel: string, onMessage: (payload: string) => void, onListen?: () => void) {
			// postgres.js keeps one dedicated connection for LISTEN and re-listens after a reconnection.
			const sub = await sql.listen(channel, onMessage, onListen);
			return () => sub.unlisten();
		},
		async close() {
			await sql.end({ timeout: 5 });
		}
	};
}
