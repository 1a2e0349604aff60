import type { Tx } from './db';

export function slugify(s: string): string {
	return (
		s
			.normalize('NFD')
			.replace(/[\u0300-\u036f]/g, '')
			.toLowerCase()
			.replace(/[^a-z0-9]+/g, '-')
			.replace(/^-+|-+$/g, '')
			.slice(0, 60)
			.replace(/-+$/g, '') || 'x'
	);
}

/** A slug not yet used in `table` (uses a security-definer-free existence check through the service role). */
export async function uniqueSlug(tx: Tx, table: 'organisations' | 'networks', base: string): Promise<string> {
	const root = slugify(base);
	const rows = await tx.query<{ slug: string }>(
		`select slug from public.${table} where slug = $1 or slug like $1 || '-%'`,
		[root]
	);
	// Words used by routes next to /collectivites/<slug> and /reseaux/<slug> can never be slugs.
	const taken = new Set([...rows.map((r) => r.slug), 'nouvelle', 'nouveau', 'aller', 'admin', 'api']);
	if (!taken.has(root)) return root;
	for (let i = 2; ; i++) if (!taken.has(`${root}-${i}`)) return `${root}-${i}`;
}
