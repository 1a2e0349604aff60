// Validation of a whole SPASER as JSON (import, templates, versions) and of the export envelope.
import { z } from 'zod';
import {
	DOC_STATUSES,
	MAX_DEPTH,
	NODE_KINDS,
	NODE_STATUSES,
	type DocSettings,
	type PlainNode,
	type RichNode
} from './model';
import type { DocContent } from './ydoc';
import { UUID_RE } from '../../params/uuid';

/** Block and inline node types a body may contain (what the editor is configured to produce). */
export const ALLOWED_NODE_TYPES = [
	'paragraph',
	'codeBlock',
	'heading',
	'bulletList',
	'orderedList',
	'listItem',
	'blockquote',
	'hardBreak',
	'horizontalRule',
	'table',
	'tableRow',
	'tableCell',
	'tableHeader',
	'text'
] as const;
export const ALLOWED_MARKS = ['bold', 'italic', 'underline', 'strike', 'code', 'link'] as const;

const NODE_TYPES = new Set<string>(ALLOWED_NODE_TYPES);
const MARKS = new Set<string>(ALLOWED_MARKS);

export const MAX_NODES = 3000;
const MAX_RICH_DEPTH = 20;

/** http(s), mailto, or a relative link (/…, #…, ./…, ../…, or a plain path without a scheme). */
export function isSafeHref(href: unknown): boolean {
	if (typeof href !== 'string') return false;
	const h = href.trim();
	if (!h || /[\s<>"]/.test(h) || h.startsWith('//')) return false;
	if (/^(https?:\/\/[^/\s]|mailto:)/i.test(h)) return true;
	// anything else with a scheme (javascript:, data:, file:…) is refused
	return !/^[a-z][a-z0-9+.-]*:/i.test(h);
}

const mark = z
	.object({
		type: z.string(),
		attrs: z.record(z.string(), z.unknown()).optional()
	})
	.superRefine((m, ctx) => {
		if (!MARKS.has(m.type))
			ctx.addIssue({ code: 'custom', message: `Mise en forme inconnue\u00a0: «\u00a0${m.type}\u00a0».` });
		else if (m.type === 'link' && !isSafeHref(m.attrs?.href))
			ctx.addIssue({
				code: 'custom',
				path: ['attrs', 'href'],
				message: 'Adresse de lien refusée\u00a0: seuls les liens http(s), mailto ou relatifs sont acceptés.'
			});
	});

export const richNodeSchema: z.ZodType<RichNode> = z.lazy(() =>
	z
		.object({
			type: z.string({ error: 'Chaque élément du texte doit avoir un type.' }),
			attrs: z.record(z.string(), z.unknown()).optional(),
			text: z.string().optional(),
			marks: z.array(mark).optional(),
			content: z.array(richNodeSchema).optional()
		})
		.superRefine((n, ctx) => {
			if (!NODE_TYPES.has(n.type))
				ctx.addIssue({
					code: 'custom',
					path: ['type'],
					message: `Élément de texte non autorisé\u00a0: «\u00a0${n.type}\u00a0».`
				});
			if (n.type === 'text' && typeof n.text !== 'string')
				ctx.addIssue({
					code: 'custom',
					path: ['text'],
					message: 'Un élément «\u00a0text\u00a0» doit contenir du texte.'
				});
			if (n.type !== 'text' && n.marks?.length)
				ctx.addIssue({ code: 'custom', path: ['marks'], message: 'Seul du texte peut porter une mise en forme.' });
			if (n.type === 'heading') {
				const level = Number(n.attrs?.level ?? 1);
				if (!Number.isInteger(level) || level < 1 || level > 6)
					ctx.addIssue({
						code: 'custom',
						path: ['attrs', 'level'],
						message: 'Le niveau de titre doit être compris entre 1 et 6.'
					});
			}
		})
);

const year = z
	.number({ error: "L'année doit être un nombre." })
	.int({ error: "L'année doit être un nombre entier." })
	.min(1990, { error: "L'année doit être comprise entre 1990 et 2100." })
	.max(2100, { error: "L'année doit être comprise entre 1990 et 2100." });

export const milestoneSchema = z.object({
	year,
	value: z.number({ error: 'La valeur du jalon doit être un nombre.' }).finite()
});

export const targetSchema = z
	.object({
		id: z.string().trim().min(1, { error: 'Chaque cible doit avoir un identifiant.' }).max(100),
		indicatorCode: z.string().max(100).nullable(),
		label: z.string().max(500, { error: "Le libellé d'une cible est limité à 500 caractères." }),
		unit: z.string().max(50, { error: "L'unité est limitée à 50 caractères." }),
		value: z.number({ error: 'La valeur cible doit être un nombre.' }).finite().nullable(),
		year: year.nullable(),
		milestones: z.array(milestoneSchema).max(50),
		baselineYear: year.nullable(),
		relative: z.boolean(),
		thresholdEurHt: z
			.number({ error: 'Le seuil doit être un montant en euros.' })
			.min(0, { error: 'Le seuil ne peut pas être négatif.' })
			.nullable(),
		scope: z.string().max(500, { error: 'Le périmètre est limité à 500 caractères.' })
	})
	.superRefine((t, ctx) => {
		const years = t.milestones.map((m) => m.year);
		if (new Set(years).size !== years.length)
			ctx.addIssue({ code: 'custom', path: ['milestones'], message: 'Deux jalons portent sur la même année.' });
	});

const nodeId = z.string().regex(UUID_RE, { error: "L'identifiant d'un élément doit être un UUID." });

export const plainNodeSchema = z.object({
	id: nodeId,
	parentId: nodeId.nullable(),
	order: z
		.string()
		.min(1, { error: "Chaque élément doit avoir une clé d'ordre." })
		.max(200)
		.regex(/^[0-9a-z]+$/, { error: "La clé d'ordre n'est pas valable." }),
	title: z.string().max(1000, { error: 'Un titre est limité à 1 000 caractères.' }),
	body: z.array(richNodeSchema),
	kind: z.enum(Object.keys(NODE_KINDS) as [keyof typeof NODE_KINDS], { error: "Type d'élément inconnu." }),
	status: z.enum(Object.keys(NODE_STATUSES) as [keyof typeof NODE_STATUSES], { error: "État d'avancement inconnu." }),
	pilot: z.string().max(300, { error: 'La direction pilote est limitée à 300 caractères.' }),
	resources: z.array(z.string().max(300)).max(50),
	tools: z.array(z.string().max(300)).max(100),
	links: z.array(z.string().max(100)).max(100),
	targets: z.array(targetSchema).max(100)
});

export const settingsSchema = z.object({
	levelNames: z
		.array(
			z
				.string()
				.trim()
				.min(1, { error: 'Un nom de niveau ne peut pas être vide.' })
				.max(60, { error: 'Un nom de niveau est limité à 60 caractères.' })
		)
		.min(1, { error: 'Donnez un nom à au moins un niveau.' })
		.max(MAX_DEPTH, { error: `Un SPASER compte au plus ${MAX_DEPTH} niveaux.` }),
	numbering: z.enum(['global', 'per_parent'], { error: 'Numérotation inconnue (globale ou par parent).' })
});

function richDepth(nodes: RichNode[], d = 1): number {
	let max = d;
	for (const n of nodes) if (n.content?.length) max = Math.max(max, richDepth(n.content, d + 1));
	return max;
}

export const docContentSchema: z.ZodType<DocContent> = z
	.object({
		settings: settingsSchema,
		nodes: z.array(plainNodeSchema).max(MAX_NODES, { error: `Un SPASER compte au plus ${MAX_NODES} éléments.` })
	})
	.superRefine((c, ctx) => {
		const byId = new Map<string, PlainNode>();
		c.nodes.forEach((n, i) => {
			if (byId.has(n.id))
				ctx.addIssue({ code: 'custom', path: ['nodes', i, 'id'], message: `Identifiant en double\u00a0: ${n.id}.` });
			else byId.set(n.id, n);
			const targetIds = n.targets.map((t) => t.id);
			if (new Set(targetIds).size !== targetIds.length)
				ctx.addIssue({
					code: 'custom',
					path: ['nodes', i, 'targets'],
					message: `Deux cibles de «\u00a0${n.title || n.id}\u00a0» ont le même identifiant.`
				});
			if (richDepth(n.body) > MAX_RICH_DEPTH)
				ctx.addIssue({
					code: 'custom',
					path: ['nodes', i, 'body'],
					message: `Le texte de «\u00a0${n.title || n.id}\u00a0» est trop imbriqué.`
				});
		});
		c.nodes.forEach((n, i) => {
			if (n.parentId === null) return;
			if (n.parentId === n.id) {
				ctx.addIssue({
					code: 'custom',
					path: ['nodes', i, 'parentId'],
					message: `«\u00a0${n.title || n.id}\u00a0» ne peut pas être son propre parent.`
				});
				return;
			}
			if (!byId.has(n.parentId)) {
				ctx.addIssue({
					code: 'custom',
					path: ['nodes', i, 'parentId'],
					message: `Le parent de «\u00a0${n.title || n.id}\u00a0» est introuvable (${n.parentId}).`
				});
				return;
			}
			// walk up: a cycle, or more than MAX_DEPTH levels
			const seen = new Set([n.id]);
			let depth = 1;
			for (let cur: string | null = n.parentId; cur; cur = byId.get(cur)?.parentId ?? null) {
				if (seen.has(cur)) {
					ctx.addIssue({
						code: 'custom',
						path: ['nodes', i, 'parentId'],
						message: `Cycle dans l'arborescence autour de «\u00a0${n.title || n.id}\u00a0».`
					});
					return;
				}
				seen.add(cur);
				depth++;
			}
			if (depth > MAX_DEPTH)
				ctx.addIssue({
					code: 'custom',
					path: ['nodes', i, 'parentId'],
					message: `«\u00a0${n.title || n.id}\u00a0» est au niveau ${depth}\u00a0: un SPASER compte au plus ${MAX_DEPTH} niveaux.`
				});
		});
	}) as unknown as z.ZodType<DocContent>;

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'La date doit être au format AAAA-MM-JJ.' });

export const exportDocumentSchema = z
	.object({
		title: z
			.string()
			.trim()
			.min(2, { error: 'Le titre doit contenir au moins 2 caractères.' })
			.max(300, { error: 'Le titre est limité à 300 caractères.' }),
		periodStart: year.nullable(),
		periodEnd: year.nullable(),
		status: z.enum(Object.keys(DOC_STATUSES) as [keyof typeof DOC_STATUSES], { error: 'Statut inconnu.' }),
		adoptedOn: isoDate.nullable(),
		deliberationRef: z
			.string()
			.max(300, { error: 'La référence de délibération est limitée à 300 caractères.' })
			.nullable()
	})
	.superRefine((d, ctx) => {
		if (d.periodStart !== null && d.periodEnd !== null && d.periodEnd < d.periodStart)
			ctx.addIssue({ code: 'custom', path: ['periodEnd'], message: 'La fin de période doit suivre son début.' });
	});

export type ExportDocument = z.infer<typeof exportDocumentSchema>;

export const SPASER_FORMAT = 'spaser-commun';
export const SPASER_FORMAT_VERSION = 1;

export const spaserExportSchema = z.object({
	format: z.literal(SPASER_FORMAT, { error: "Ce fichier n'est pas un export SPASER Commun." }),
	version: z.literal(SPASER_FORMAT_VERSION, {
		error: 'Version de format non prise en charge (seule la version 1 est lue).'
	}),
	document: exportDocumentSchema,
	content: docContentSchema
});

export interface SpaserExport {
	format: typeof SPASER_FORMAT;
	version: typeof SPASER_FORMAT_VERSION;
	document: ExportDocument;
	content: DocContent;
}

export interface ContentIssue {
	/** Dotted path, e.g. "content.nodes.3.title". */
	path: string;
	message: string;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; issues: ContentIssue[] };

function toIssues(error: z.ZodError): ContentIssue[] {
	return error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

export function parseDocContent(input: unknown): ParseResult<DocContent> {
	const r = docContentSchema.safeParse(input);
	return r.success ? { ok: true, value: r.data } : { ok: false, issues: toIssues(r.error) };
}

/** Reads an export file's text (or parsed JSON). The first issue is the one to show; all are returned. */
export function parseSpaserExport(input: unknown): ParseResult<SpaserExport> {
	let data = input;
	if (typeof input === 'string') {
		try {
			data = JSON.parse(input);
		} catch {
			return { ok: false, issues: [{ path: '', message: "Le fichier n'est pas un JSON valable." }] };
		}
	}
	const r = spaserExportSchema.safeParse(data);
	return r.success ? { ok: true, value: r.data as SpaserExport } : { ok: false, issues: toIssues(r.error) };
}

export function buildExport(document: ExportDocument, content: DocContent): SpaserExport {
	return { format: SPASER_FORMAT, version: SPASER_FORMAT_VERSION, document, content };
}

export interface OutlineEntry {
	depth: number;
	number: string;
	levelName: string;
	/** "Chantier 3". */
	label: string;
}

/**
 * Numbers a content the way readTree numbers a Y.Doc (global or per parent, level names of the SPASER), in
 * document order. Nodes whose parent is unknown are treated as roots.
 */
export function outlineContent(content: DocContent): { order: PlainNode[]; outline: Map<string, OutlineEntry> } {
	const { settings } = content;
	const ids = new Set(content.nodes.map((n) => n.id));
	const kids = new Map<string | null, PlainNode[]>();
	for (const n of content.nodes) {
		const p = n.parentId && ids.has(n.parentId) && n.parentId !== n.id ? n.parentId : null;
		if (!kids.has(p)) kids.set(p, []);
		kids.get(p)!.push(n);
	}
	for (const list of kids.values())
		list.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : a.id < b.id ? -1 : 1));
	const order: PlainNode[] = [];
	const outline = new Map<string, OutlineEntry>();
	const counters = new Array<number>(MAX_DEPTH).fill(0);
	const walk = (parentId: string | null, depth: number, prefix: string) => {
		let i = 0;
		for (const n of kids.get(parentId) ?? []) {
			if (outline.has(n.id)) continue;
			i++;
			const d = Math.min(depth, MAX_DEPTH);
			counters[d - 1]++;
			const number = settings.numbering === 'global' ? String(counters[d - 1]) : prefix ? `${prefix}.${i}` : String(i);
			const levelName = levelNameAt(settings, d);
			outline.set(n.id, { depth: d, number, levelName, label: `${levelName} ${number}` });
			order.push(n);
			walk(n.id, depth + 1, number);
		}
	};
	walk(null, 1, '');
	return { order, outline };
}

export function levelNameAt(settings: DocSettings, depth: number): string {
	return settings.levelNames[depth - 1] ?? settings.levelNames.at(-1) ?? 'Niveau';
}
