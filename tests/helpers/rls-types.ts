/**
 * Shared types of the row-level-security matrix, and the extension point each capability uses to add its
 * tables to the fixture and the matrix without touching the central files: a module in tests/helpers/rls/*.ts
 * that exports `extension: RlsExtension` is found by tests/helpers/rls-extensions.ts; the matrix test builds its rows
 * after the base world of tests/helpers/rls-fixture.ts, adds its ids to the labels and its tables to the matrix.
 */
import type { Tx } from '../../src/lib/server/db';

/** One cell per persona: anon, outsider, viewer, editor, admin, animN2, animN1, platform. */
export type Cells = readonly [string, string, string, string, string, string, string, string];
export const OPS = ['select', 'insert', 'update', 'delete'] as const;
export type Op = (typeof OPS)[number];

export interface TableSpec {
	/** SQL expression naming a row (only columns the API roles may select). */
	key: string;
	insert: string;
	/** No-op assignment for the update probe. */
	set: string;
	/** Optional filter for the delete probe (e.g. keep the last admins, whose removal a trigger refuses). */
	deleteWhere?: string;
	expect: Record<Op, Cells>;
}

export interface RlsExtension {
	/** label → fixed uuid of every row the extension inserts (labels must be unique across the fixture). */
	ids: Record<string, string>;
	/** Inserts the extension's rows with the service role, after the base world (users, orgs, networks, SPASERs, Guichet). */
	build(tx: Tx): Promise<void>;
	/** One spec per table the extension's migration creates. */
	matrix: Record<string, TableSpec>;
}

export const DENIED_ALL: Cells = ['denied', 'denied', 'denied', 'denied', 'denied', 'denied', 'denied', 'denied'];

/** Tables only the service role touches: no grant at all to anon or authenticated. */
export const closed = (key: string, insert: string, set: string): TableSpec => ({
	key,
	insert,
	set,
	expect: { select: DENIED_ALL, insert: DENIED_ALL, update: DENIED_ALL, delete: DENIED_ALL }
});
