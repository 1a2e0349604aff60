// DOCX export of a SPASER with the `docx` package: title page, numbered headings with the SPASER's level names,
// rich-text bodies, node details, targets per node and a summary table of indicators.
import {
	AlignmentType,
	BorderStyle,
	Document,
	ExternalHyperlink,
	Footer,
	HeadingLevel,
	LevelFormat,
	Packer,
	PageBreak,
	PageNumber,
	Paragraph,
	ShadingType,
	Table,
	TableCell,
	TableRow,
	TextRun,
	WidthType,
	type ParagraphChild
} from 'docx';
import { isSafeHref, outlineContent } from '../../spaser/content-schema';
import { indicatorByCode } from '../../spaser/indicators';
import {
	DOC_STATUSES,
	NODE_KINDS,
	NODE_STATUSES,
	type PlainNode,
	type RichNode,
	type Target
} from '../../spaser/model';
import type { DocContent } from '../../spaser/ydoc';

export interface DocxMeta {
	title: string;
	/** Owning collectivités, lead first. */
	orgNames: string[];
	periodStart: number | null;
	periodEnd: number | null;
	status: string;
	adoptedOn: string | Date | null;
	deliberationRef: string | null;
	/** e.g. « Version adoptée le 15/12/2025 ». */
	versionName?: string | null;
	generatedAt?: Date;
}

const nf = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 2 });
const NBSP = '\u00a0';

function fmtDate(d: string | Date): string {
	const date = typeof d === 'string' ? new Date(/^\d{4}-\d{2}-\d{2}$/.test(d) ? `${d}T12:00:00Z` : d) : d;
	return new Intl.DateTimeFormat('fr-FR', {
		day: 'numeric',
		month: 'long',
		year: 'numeric',
		timeZone: 'Europe/Paris'
	}).format(date);
}

export function formatValue(value: number | null, unit: string): string {
	if (value === null) return '—';
	const u = unit.trim();
	if (!u) return nf.format(value);
	if (u === 'oui/non') return value ? 'oui' : 'non';
	return `${nf.format(value)}${NBSP}${u}`;
}

export function describeTarget(t: Target): {
	indicator: string;
	unit: string;
	value: string;
	milestones: string;
	perimeter: string;
} {
	const ind = indicatorByCode(t.indicatorCode);
	const indicator = [t.label || ind?.label || 'Indicateur non précisé', t.indicatorCode ? `(${t.indicatorCode})` : '']
		.filter(Boolean)
		.join(' ');
	const base = t.relative
		? `${t.value !== null && t.value >= 0 ? '+' : ''}${formatValue(t.value, '%')} par an${t.baselineYear ? ` (référence ${t.baselineYear})` : ''}`
		: formatValue(t.value, t.unit);
	return {
		indicator,
		unit: t.unit || ind?.unit || '',
		value: t.year ? `${base} en ${t.year}` : base,
		milestones: t.milestones.length
			? t.milestones.map((m) => `${m.year}${NBSP}: ${formatValue(m.value, t.unit)}`).join('\u00a0; ')
			: '—',
		perimeter:
			[t.scope, t.thresholdEurHt !== null ? `marchés de plus de ${nf.format(t.thresholdEurHt)}${NBSP}€ HT` : '']
				.filter(Boolean)
				.join(' — ') || '—'
	};
}

// ---------------------------------------------------------------------------------------------------------
// Rich text
// ---------------------------------------------------------------------------------------------------------

interface RenderCtx {
	nextListInstance: number;
}

function runs(nodes: RichNode[], extra: { italics?: boolean } = {}): ParagraphChild[] {
	const out: ParagraphChild[] = [];
	for (const n of nodes) {
		if (n.type === 'hardBreak') {
			out.push(new TextRun({ text: '', break: 1 }));
			continue;
		}
		if (n.type !== 'text') {
			out.push(...runs(n.content ?? [], extra));
			continue;
		}
		const marks = new Set((n.marks ?? []).map((m) => m.type));
		const link = n.marks?.find((m) => m.type === 'link');
		const run = new TextRun({
			text: n.text ?? '',
			bold: marks.has('bold') || undefined,
			italics: marks.has('italic') || extra.italics || undefined,
			underline: marks.has('underline') ? {} : undefined,
			strike: marks.has('strike') || undefined,
			font: marks.has('code') ? 'Courier New' : undefined,
			style: link ? 'Hyperlink' : undefined
		});
		const href = link?.attrs?.href;
		if (typeof href === 'string' && isSafeHref(href) && /^(https?:|mailto:)/i.test(href.trim()))
			out.push(new ExternalHyperlink({ link: href.trim(), children: [run] }));
		else out.push(run);
	}
	return out;
}

function cellBorders() {
	const b = { style: BorderStyle.SINGLE, size: 4, color: '999999' };
	return { top: b, bottom: b, left: b, right: b };
}

type ListCtx = { reference: string; level: number; instance: number };

/**
 * Block-level rich text. Inside a list item, the first paragraph carries the bullet or number (`bullet`); other
 * paragraphs of the item are indented to the item's level (`list`).
 */
function blocks(
	nodes: RichNode[],
	ctx: RenderCtx,
	list?: ListCtx,
	quote = false,
	bullet?: ListCtx
): (Paragraph | Table)[] {
	const out: (Paragraph | Table)[] = [];
	for (const n of nodes) {
		switch (n.type) {
			case 'paragraph': {
				const numbered = bullet;
				bullet = undefined;
				out.push(
					new Paragraph({
						children: runs(n.content ?? [], { italics: quote }),
						numbering: numbered
							? { reference: numbered.reference, level: numbered.level, instance: numbered.instance }
							: undefined,
						indent: numbered ? undefined : list ? { left: 720 * (list.level + 1) } : quote ? { left: 567 } : undefined,
						spacing: { after: list ? 60 : 120 }
					})
				);
				break;
			}
			case 'heading': {
				const level = Math.min(6, Math.max(1, Number(n.attrs?.level) || 3));
				out.push(
					new Paragraph({
						children: runs(n.content ?? []),
						spacing: { before: 160, after: 80 },
						run: { bold: true, size: 28 - level * 2 }
					})
				);
				break;
			}
			case 'bulletList':
			case 'orderedList': {
				const reference = n.type === 'bulletList' ? 'spaser-bullets' : 'spaser-ordered';
				const level = list ? Math.min(list.level + 1, 8) : 0;
				const instance = n.type === 'orderedList' ? ctx.nextListInstance++ : 0;
				const item: ListCtx = { reference, level, instance };
				for (const li of n.content ?? []) out.push(...blocks(li.content ?? [], ctx, item, quote, item));
				break;
			}
			case 'blockquote':
				out.push(...blocks(n.content ?? [], ctx, list, true));
				break;
			case 'horizontalRule':
				out.push(
					new Paragraph({
						children: [],
						border: { bottom: { style: BorderStyle.SINGLE, size: 6, color: '999999', space: 1 } }
					})
				);
				break;
			case 'table': {
				const rows = (n.content ?? []).filter((r) => r.type === 'tableRow' && r.content?.length);
				if (!rows.length) break;
				out.push(
					new Table({
						width: { size: 100, type: WidthType.PERCENTAGE },
						rows: rows.map(
							(r) =>
								new TableRow({
									children: (r.content ?? []).map((c) => {
										const inner = blocks(c.content ?? [], ctx);
										return new TableCell({
											borders: cellBorders(),
											shading:
												c.type === 'tableHeader'
													? { type: ShadingType.CLEAR, fill: 'E8EEF4', color: 'auto' }
													: undefined,
											children: inner.length ? inner : [new Paragraph('')]
										});
									})
								})
						)
					})
				);
				break;
			}
			case 'text':
			case 'hardBreak':
				out.push(new Paragraph({ children: runs([n]) }));
				break;
			default:
				out.push(...blocks(n.content ?? [], ctx, list, quote));
		}
	}
	return out;
}

// ---------------------------------------------------------------------------------------------------------
// Document
// ---------------------------------------------------------------------------------------------------------

const HEADINGS = [
	HeadingLevel.HEADING_1,
	HeadingLevel.HEADING_2,
	HeadingLevel.HEADING_3,
	HeadingLevel.HEADING_4,
	HeadingLevel.HEADING_5
];

function labelled(label: string, value: string): TextRun[] {
	return [new TextRun({ text: `${label}${NBSP}: `, bold: true }), new TextRun({ text: value })];
}

function textCell(text: string, header = false, width?: number): TableCell {
	return new TableCell({
		borders: cellBorders(),
		width: width ? { size: width, type: WidthType.PERCENTAGE } : undefined,
		shading: header ? { type: ShadingType.CLEAR, fill: 'E8EEF4', color: 'auto' } : undefined,
		children: [new Paragraph({ children: [new TextRun({ text, bold: header || undefined })] })]
	});
}

function table(headers: string[], rows: string[][], widths: number[]): Table {
	return new Table({
		width: { size: 100, type: WidthType.PERCENTAGE },
		rows: [
			new TableRow({ tableHeader: true, children: headers.map((h, i) => textCell(h, true, widths[i])) }),
			...rows.map((r) => new TableRow({ children: r.map((c, i) => textCell(c, false, widths[i])) }))
		]
	});
}

function nodeMeta(n: PlainNode): Paragraph | null {
	const parts: TextRun[][] = [];
	if (n.pilot.trim()) parts.push(labelled('Direction pilote', n.pilot.trim()));
	if (n.resources.length)
		parts.push(
			labelled(n.resources.length > 1 ? 'Directions ressources' : 'Direction ressource', n.resources.join(', '))
		);
	if (n.status !== 'a_lancer' || parts.length) parts.push(labelled('État', NODE_STATUSES[n.status] ?? n.status));
	if (n.tools.length) parts.push(labelled('Outils', n.tools.join(', ')));
	if (!parts.length) return null;
	const children: TextRun[] = [];
	parts.forEach((p, i) => {
		if (i) children.push(new TextRun({ text: '  ·  ' }));
		children.push(...p);
	});
	return new Paragraph({
		children,
		spacing: { after: 120 },
		shading: { type: ShadingType.CLEAR, fill: 'F3F5F7', color: 'auto' }
	});
}

/** The .docx file of a SPASER (a Buffer). */
export async function renderDocx(meta: DocxMeta, content: DocContent): Promise<Buffer> {
	const { order, outline } = outlineContent(content);
	const ctx: RenderCtx = { nextListInstance: 1 };
	const children: (Paragraph | Table)[] = [];

	// title page
	const period =
		meta.periodStart && meta.periodEnd
			? `${meta.periodStart}–${meta.periodEnd}`
			: meta.periodStart
				? `à partir de ${meta.periodStart}`
				: '';
	children.push(
		new Paragraph({
			children: [new TextRun({ text: meta.orgNames.join(' · '), size: 28 })],
			alignment: AlignmentType.CENTER,
			spacing: { before: 2400, after: 480 }
		}),
		new Paragraph({ text: meta.title, heading: HeadingLevel.TITLE, alignment: AlignmentType.CENTER }),
		new Paragraph({
			children: [
				new TextRun({
					text: 'Schéma de promotion des achats publics socialement et écologiquement responsables',
					italics: true
				})
			],
			alignment: AlignmentType.CENTER,
			spacing: { after: 480 }
		})
	);
	if (period) children.push(new Paragraph({ children: labelled('Période', period), alignment: AlignmentType.CENTER }));
	children.push(
		new Paragraph({
			children: labelled('Statut', DOC_STATUSES[meta.status as keyof typeof DOC_STATUSES] ?? meta.status),
			alignment: AlignmentType.CENTER
		})
	);
	if (meta.adoptedOn)
		children.push(
			new Paragraph({
				children: [
					new TextRun({
						text: `Adopté le ${fmtDate(meta.adoptedOn)}${meta.deliberationRef ? ` par la délibération ${meta.deliberationRef}` : ''}`
					})
				],
				alignment: AlignmentType.CENTER
			})
		);
	if (meta.orgNames.length > 1)
		children.push(
			new Paragraph({
				children: [new TextRun({ text: `Schéma élaboré conjointement par ${meta.orgNames.length} collectivités.` })],
				alignment: AlignmentType.CENTER
			})
		);
	if (meta.versionName)
		children.push(new Paragraph({ children: labelled('Version', meta.versionName), alignment: AlignmentType.CENTER }));
	children.push(
		new Paragraph({
			children: [
				new TextRun({
					text: `Document généré le ${fmtDate(meta.generatedAt ?? new Date())}`,
					color: '666666',
					size: 18
				})
			],
			alignment: AlignmentType.CENTER,
			spacing: { before: 480 }
		}),
		new Paragraph({ children: [new PageBreak()] })
	);

	// nodes
	const summary: string[][] = [];
	for (const n of order) {
		const o = outline.get(n.id)!;
		const kind = n.kind !== 'normal' ? ` (${NODE_KINDS[n.kind].toLowerCase()})` : '';
		const heading = n.title.trim() ? `${o.label}${kind} — ${n.title.trim()}` : `${o.label}${kind}`;
		children.push(new Paragraph({ text: heading, heading: HEADINGS[o.depth - 1] ?? HeadingLevel.HEADING_5 }));
		const m = nodeMeta(n);
		if (m) children.push(m);
		children.push(...blocks(n.body, ctx));
		if (n.links.length) {
			const linked = n.links.map((id) => outline.get(id)?.label).filter(Boolean) as string[];
			if (linked.length) children.push(new Paragraph({ children: labelled('Voir aussi', linked.join(', ')) }));
		}
		if (n.targets.length) {
			children.push(
				new Paragraph({
					children: [new TextRun({ text: n.targets.length > 1 ? 'Cibles' : 'Cible', bold: true })],
					spacing: { before: 120, after: 60 }
				})
			);
			const rows = n.targets.map((t) => {
				const d = describeTarget(t);
				summary.push([o.label, d.indicator, d.unit, d.value, d.milestones]);
				return [d.indicator, d.unit, d.value, d.milestones, d.perimeter];
			});
			children.push(table(['Indicateur', 'Unité', 'Valeur cible', 'Jalons', 'Périmètre'], rows, [34, 9, 17, 20, 20]));
			children.push(new Paragraph(''));
		}
	}

	// indicators summary
	children.push(
		new Paragraph({ children: [new PageBreak()] }),
		new Paragraph({ text: 'Synthèse des indicateurs et des cibles', heading: HeadingLevel.HEADING_1 })
	);
	if (summary.length)
		children.push(table(['Élément', 'Indicateur', 'Unité', 'Cible', 'Jalons'], summary, [16, 38, 10, 16, 20]));
	else children.push(new Paragraph('Aucune cible n’est encore définie.'));

	const doc = new Document({
		title: meta.title,
		creator: 'SPASER Commun',
		description: meta.orgNames.join(', '),
		styles: { default: { document: { run: { font: 'Calibri', size: 22 } } } },
		numbering: {
			config: [
				{
					reference: 'spaser-bullets',
					levels: Array.from({ length: 9 }, (_, level) => ({
						level,
						format: LevelFormat.BULLET,
						text: level % 2 ? '◦' : '•',
						alignment: AlignmentType.LEFT,
						style: { paragraph: { indent: { left: 720 * (level + 1), hanging: 360 } } }
					}))
				},
				{
					reference: 'spaser-ordered',
					levels: Array.from({ length: 9 }, (_, level) => ({
						level,
						format: level % 2 ? LevelFormat.LOWER_LETTER : LevelFormat.DECIMAL,
						text: `%${level + 1}.`,
						alignment: AlignmentType.LEFT,
						style: { paragraph: { indent: { left: 720 * (level + 1), hanging: 360 } } }
					}))
				}
			]
		},
		sections: [
			{
				footers: {
					default: new Footer({
						children: [
							new Paragraph({
								alignment: AlignmentType.RIGHT,
								children: [
									new TextRun({ text: `${meta.title} — page `, size: 16, color: '666666' }),
									new TextRun({ children: [PageNumber.CURRENT], size: 16, color: '666666' })
								]
							})
						]
					})
				},
				children
			}
		]
	});
	return Packer.toBuffer(doc);
}
