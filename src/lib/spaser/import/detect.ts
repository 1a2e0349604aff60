// Structure detection for an existing SPASER given as plain text or Markdown (DOCX is converted to Markdown
// before reaching this module). Finds the hierarchy from the level words and numbering real SPASERs use,
// drops the table of contents, page numbers, repeated page headers and stray markup, and never loses text:
// every source line ends up in a node, in `unplaced`, or in `dropped` with a reason.
import type { Milestone, NodeKind, Numbering, RichNode, Target } from '../model';

export type DropReason = 'toc' | 'page_number' | 'repeated_header' | 'markup' | 'heading_label';

export interface DroppedText {
	text: string;
	reason: DropReason;
	/** 1-based source line. */
	line: number;
}

export interface DetectedTarget extends Target {
	/** The source text the target was read from (shown in the review). */
	sourceText: string;
}

export interface ImportNode {
	id: string;
	parentId: string | null;
	depth: number;
	/** Number as written in the source (« 3 », « 6.2 », « B », « bonus »), or null. */
	number: string | null;
	title: string;
	body: RichNode[];
	kind: NodeKind;
	targets: DetectedTarget[];
	/** Read from « DIRECTION PILOTE : … », « DIRECTIONS RESSOURCES : … » and « OUTILS » blocks (the text stays in the body). */
	pilot: string;
	resources: string[];
	tools: string[];
	/** 1-based source lines [first, last] covered by the node (heading and body). */
	sourceLines: [number, number];
}

export interface UnplacedText {
	text: string;
	line: number;
	reason: 'preamble' | 'annex' | 'outside_structure';
}

export interface ImportResult {
	settings: { levelNames: string[]; numbering: Numbering };
	nodes: ImportNode[];
	dropped: DroppedText[];
	unplaced: UnplacedText[];
	/** Number of detected nodes per level name. */
	stats: Record<string, number>;
}

export interface ImportInput {
	text: string;
	format: 'txt' | 'md';
}

export const UNPLACED_TITLE = 'Éléments non classés';

// ---------------------------------------------------------------------------------------------------------
// Lines

interface Line {
	text: string; // cleaned text (markup removed except ** for bold)
	line: number;
	list: boolean;
	indent: number;
	mdLevel: number; // markdown heading level, 0 if none
}

const PAGE_REF = /(?:\s+|\*\*|\s*\|\s*)(?:p\.?\s*)?(\d{1,3})(?:\*\*)?\s*$/;
const ICONS = /\p{Extended_Pictographic}|\uFE0F|\u200D|[\uE000-\uF8FF]/gu;
const LIST_MARK = /^([-•●▪◦‣*✓✔➔→➢►])\s+/;

/** Text without the ** bold markers (headings, comparisons). */
export function plain(s: string): string {
	return s.replace(/\*\*/g, '').replace(/\s+/g, ' ').trim();
}

/** Case- and accent-insensitive key for comparing titles. */
export function normKey(s: string): string {
	return plain(s)
		.normalize('NFD')
		.replace(/[\u0300-\u036f]/g, '')
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, ' ')
		.trim();
}

function splitLines(text: string, format: 'txt' | 'md', dropped: DroppedText[]): Line[] {
	const out: Line[] = [];
	const raw = text.replace(/\r\n?/g, '\n').split('\n');
	raw.forEach((r, i) => {
		const lineNo = i + 1;
		// HTML table debris: block tags become line breaks, other tags are dropped; tab-separated cells become lines
		let s = r;
		const tags = s.match(/<[^>]+>/g);
		if (tags) {
			for (const t of tags) dropped.push({ text: t, reason: 'markup', line: lineNo });
			s = s.replace(/<\/?(?:p|div|li|ul|ol|br|tr|td|th|table)\b[^>]*>/gi, '\n').replace(/<[^>]+>/g, ' ');
		}
		const cells = s.split(/\n|\t/);
		if (cells.every((c) => !c.trim())) {
			out.push({ text: '', line: lineNo, list: false, indent: 0, mdLevel: 0 });
			return;
		}
		for (const cell of cells) {
			if (!cell.trim()) continue;
			let c = cell.replace(/\u00a0/g, ' ');
			const indent = c.length - c.trimStart().length;
			c = c.trim();
			const icons = c.match(ICONS);
			if (icons) {
				dropped.push({ text: icons.join(''), reason: 'markup', line: lineNo });
				c = c.replace(ICONS, '').trim();
			}
			let mdLevel = 0;
			if (format === 'md') {
				const h = /^(#{1,6})\s+(.*)$/.exec(c);
				if (h) {
					mdLevel = h[1].length;
					dropped.push({ text: h[1], reason: 'markup', line: lineNo });
					c = h[2].replace(/\s#+\s*$/, '').trim();
				}
			}
			let list = false;
			for (let m = LIST_MARK.exec(c); m; m = LIST_MARK.exec(c)) {
				// "**bold**" at the start of a line is not a list marker
				if (m[1] === '*' && c.startsWith('**')) break;
				dropped.push({ text: m[1], reason: 'markup', line: lineNo });
				list = true;
				c = c.slice(m[0].length);
			}
			const arrows = /^»+\s*/.exec(c);
			if (arrows) {
				dropped.push({ text: arrows[0].trim(), reason: 'markup', line: lineNo });
				c = c.slice(arrows[0].length);
			}
			if (!c.trim() || !plain(c)) {
				if (c.trim()) dropped.push({ text: c.trim(), reason: 'markup', line: lineNo });
				// an empty bullet or a lone marker: nothing to keep
				continue;
			}
			out.push({ text: c.trim(), line: lineNo, list, indent, mdLevel });
		}
	});
	return out;
}

// ---------------------------------------------------------------------------------------------------------
// Headings

interface Heading {
	rank: number; // 1 = axe/pilier, 2 = chantier/objectif, 3 = action, 4 = sub-action; md: heading level
	word: string; // level name as found (« Axe », « Chantier »…)
	number: string | null;
	title: string;
	label: string; // the part of the line that only states the level (« CHANTIER 3 : »)
	kind: NodeKind;
}

const KEYWORDS: Record<string, { rank: number; word: string }> = {
	axe: { rank: 1, word: 'Axe' },
	pilier: { rank: 1, word: 'Pilier' },
	orientation: { rank: 1, word: 'Orientation' },
	chantier: { rank: 2, word: 'Chantier' },
	objectif: { rank: 2, word: 'Objectif' },
	action: { rank: 3, word: 'Action' },
	mesure: { rank: 3, word: 'Mesure' },
	fiche: { rank: 3, word: 'Fiche action' }
};

const KEYWORD_RE =
	/^((?:AXE|Axe|PILIER|Pilier|ORIENTATION|Orientation|CHANTIER|Chantier|OBJECTIF|Objectif|ACTION|Action|MESURE|Mesure|FICHE ACTION|Fiche action)\s+(\d{1,2}|BONUS|[Bb]onus)\b\s*(?:[:>\-–—.]\s*|(?=[A-ZÀ-Ý«"])|$))(.*)$/;
const PILIER_RE = /^(PILIER)\s+([A-ZÀ-Ý][A-ZÀ-Ý' -]{2,40})$/;
const DOTTED_RE = /^((\d{1,2})\.(\d{1,2})\.?\s+)(?=\S)(.{3,400})$/;
const LETTER_RE = /^(([A-H])(?:\s*[.)–-])?\s+)(?=[A-ZÀ-Ý])(.{3,250})$/;
const NUMERIC_RE = /^((\d{1,2}(?:\.\d{1,2}){0,3})[.)]?\s+)(?=[A-ZÀ-Ýa-zà-ý«])(.{2,300})$/;

function classify(text: string): Heading | null {
	const p = plain(text);
	let m = KEYWORD_RE.exec(p);
	if (m) {
		const kw = KEYWORDS[m[1].trim().split(/\s+/)[0].toLowerCase()];
		const isBonus = /^bonus$/i.test(m[2]);
		if (isBonus && kw.rank !== 3) return null;
		return {
			rank: kw.rank,
			word: kw.word,
			number: isBonus ? 'bonus' : m[2],
			title: m[3].trim(),
			label: m[1].trim(),
			kind: isBonus ? 'action_bonus' : 'normal'
		};
	}
	m = PILIER_RE.exec(p);
	if (m) {
		const t = m[2].trim();
		return {
			rank: 1,
			word: 'Pilier',
			number: null,
			title: t.charAt(0) + t.slice(1).toLowerCase(),
			label: m[1],
			kind: 'normal'
		};
	}
	return null;
}

function isShortTitle(s: string): boolean {
	const p = plain(s);
	return p.length > 1 && p.length <= 300 && !/[.;]$/.test(p);
}

function isUpper(s: string): boolean {
	const letters = plain(s).replace(/[^\p{L}]/gu, '');
	if (!letters.length) return false;
	const upper = [...letters].filter((c) => c !== c.toLowerCase()).length;
	return upper / letters.length >= 0.7;
}

/** « Titre … 14 » / « Titre **11** » / « Titre p 6 » → title without the page number. */
function stripPageRef(s: string): { text: string; page: string | null } {
	const m = PAGE_REF.exec(s);
	if (!m || /\b(?:19|20)\d\d$/.test(s.trim())) return { text: s, page: null };
	const text = s
		.slice(0, m.index)
		.replace(/\*\*\s*$/, '')
		.trim();
	return text ? { text, page: m[0].trim() } : { text: s, page: null };
}

// ---------------------------------------------------------------------------------------------------------
// Table of contents

interface Toc {
	start: number;
	end: number; // inclusive indexes in lines
	titles: Map<string, string>;
	level2: Map<string, string>;
	level3: Map<string, string>;
}

function findToc(lines: Line[]): Toc | null {
	const start = lines.findIndex((l) =>
		/^(SOMMAIRE|Sommaire|TABLE DES MATI[EÈ]RES|Table des mati[eè]res)\s*:?$/.test(plain(l.text))
	);
	if (start < 0) return null;
	let end = start;
	for (let i = start + 1; i < lines.length; i++) {
		const p = plain(lines[i].text);
		if (!p) continue;
		const tocLike = PAGE_REF.test(lines[i].text) || classify(p) !== null || /^\d{1,3}$/.test(p);
		if (tocLike) end = i;
		else if (p.length >= 120) break;
	}
	// titles as written in the TOC (sentence case), to restore the case of UPPER-CASE body headings, and the
	// level-2 titles per level-1 heading (to name a level-2 heading the body forgot to print)
	const titles = new Map<string, string>();
	const level2 = new Map<string, string>();
	const level3 = new Map<string, string>();
	let pending = '';
	let parentKey = '';
	let l2Key = '';
	for (let i = start + 1; i <= end; i++) {
		for (const piece of lines[i].text.split(/\*\*/)) {
			const p = plain(piece);
			if (!p || /^\d{1,3}$/.test(p)) {
				if (p) pending = '';
				continue;
			}
			const { text, page } = stripPageRef(p);
			const h = classify(text);
			let t = text;
			if (h) {
				pending = '';
				if (h.rank === 1) parentKey = keyOf(h);
				if (h.rank === 2) l2Key = `${parentKey}/${keyOf(h)}`;
				if (!h.title) continue;
				t = h.title;
			}
			const full = pending ? `${pending} ${t}` : t;
			if (h?.rank === 2 && h.number) level2.set(`${parentKey}/${h.number}`, full);
			if (h?.rank === 3 && h.number) level3.set(`${l2Key}/${h.number}`, full);
			titles.set(normKey(full), full);
			pending = page ? '' : full;
		}
	}
	return { start, end, titles, level2, level3 };
}

function keyOf(h: Heading): string {
	return `${h.rank}:${h.word}:${h.number ?? normKey(h.title)}`;
}

// ---------------------------------------------------------------------------------------------------------
// Rich text

function inlineText(s: string): RichNode[] {
	const out: RichNode[] = [];
	const parts = s.split('**');
	// unbalanced markers: keep the text, drop the markers
	const balanced = parts.length % 2 === 1;
	parts.forEach((part, i) => {
		if (!part) return;
		const bold = balanced && i % 2 === 1;
		const text = part.replace(/\s+/g, ' ');
		if (!text.trim()) return;
		out.push(bold ? { type: 'text', text, marks: [{ type: 'bold' }] } : { type: 'text', text });
	});
	// trim the outer spaces
	if (out.length) {
		out[0].text = out[0].text!.replace(/^\s+/, '');
		out[out.length - 1].text = out[out.length - 1].text!.replace(/\s+$/, '');
	}
	return out.filter((n) => n.text);
}

interface BodyBuilder {
	blocks: RichNode[];
	raw: string[]; // plain text of each block, for target detection
	list: boolean[]; // whether each raw entry is a list item
	lastLine: number;
}

function addParagraph(b: BodyBuilder, text: string) {
	const content = inlineText(text);
	if (!content.length) return;
	b.blocks.push({ type: 'paragraph', content });
	b.raw.push(plain(text));
	b.list.push(false);
}

function addListItem(b: BodyBuilder, text: string) {
	const content = inlineText(text);
	if (!content.length) return;
	const item: RichNode = { type: 'listItem', content: [{ type: 'paragraph', content }] };
	const last = b.blocks[b.blocks.length - 1];
	if (last?.type === 'bulletList') last.content!.push(item);
	else b.blocks.push({ type: 'bulletList', content: [item] });
	b.raw.push(plain(text));
	b.list.push(true);
}

// ---------------------------------------------------------------------------------------------------------
// Targets

const PCT = /(\d{1,3}(?:[,.]\d+)?)\s*%/;
const MILESTONE = /(\d{1,3}(?:[,.]\d+)?)\s*%\s*(?:en|EN|En)\s+((?:19|20)\d\d)/g;

function num(s: string): number {
	return Number(s.replace(',', '.'));
}

let targetSeq = 0;

/**
 * A counted or amount target (« Former 200 acheteurs d'ici 2027 », « Atteindre 1 500 000 heures d'insertion à
 * l'horizon 2028 », « 5 M€ d'achats auprès de l'ESS en 2028 »): a statement that starts with a target verb or its
 * number, a value that is not a year, a unit, and a year. Returns null otherwise.
 */
const COUNT_TARGET =
	/^(?:(?:atteindre|former|sensibiliser|accompagner|r[ée]aliser|porter|signer|conclure|r[ée]server|mobiliser|organiser|g[ée]n[ée]rer|consacrer|dépasser|d[ée]passer)\s+(?:à\s+|au moins\s+|plus de\s+|un minimum de\s+)?)?(\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:,(\d+))?\s*(M€|k€|K€|€|millions? d['’]euros|[\p{L}][\p{L}’'-]*(?:\s(?:d['’](?!ici\b)|de\s)[\p{L}’'-]+)?)/iu;

function parseCountTarget(src: string): DetectedTarget | null {
	const m = COUNT_TARGET.exec(src);
	if (!m) return null;
	const digits = m[1].replace(/[ \u00a0\u202f]/g, '');
	let value = Number(`${digits}${m[2] ? `.${m[2]}` : ''}`);
	if (!/\s/.test(m[1]) && value >= 1990 && value <= 2100) return null; // a year, not a value
	let unit = m[3];
	if (/^M€$|^millions?/i.test(unit)) {
		value *= 1_000_000;
		unit = '€';
	} else if (/^k€$/i.test(unit)) {
		value *= 1000;
		unit = '€';
	} else if (/^(?:en|à|d|de|du|des|le|la|les|par|pour|sur|et|ou|au|aux)$/i.test(unit)) return null;
	const yearM =
		/horizon\s+((?:19|20)\d\d)/i.exec(src) ?? /(?:d'ici|d’ici|en|à|avant|fin)\s+((?:19|20)\d\d)\b/i.exec(src);
	// « par an »: a yearly count, kept without a year
	if (!yearM && !/par an\b/i.test(src)) return null;
	return {
		id: `import-target-${++targetSeq}`,
		indicatorCode: null,
		label: src.slice(0, 500),
		unit: unit.slice(0, 50),
		value,
		year: yearM ? Number(yearM[1]) : null,
		milestones: [],
		baselineYear: null,
		relative: false,
		thresholdEurHt: null,
		scope: '',
		sourceText: src
	};
}

export function parseTarget(text: string): DetectedTarget | null {
	const src = plain(text);
	if (src.length > 400) return null;
	const pct = PCT.exec(src);
	if (!pct) return parseCountTarget(src);
	const milestones: Milestone[] = [];
	let rest = src;
	for (const m of src.matchAll(MILESTONE)) {
		if (m.index === pct.index) continue; // the headline value itself (« 100 % … en 2024 » is not a milestone)
		const year = Number(m[2]);
		if (!milestones.some((x) => x.year === year)) milestones.push({ year, value: num(m[1]) });
		rest = rest.replace(m[0], ' ');
	}
	const relative = /augmenter de|accro[iî]tre .* de \d|hausse de/i.test(src) && /par an/i.test(src);
	const yearM =
		/horizon\s+((?:19|20)\d\d)/i.exec(rest) ?? /(?:d'ici|d’ici|en|à|avant|fin)\s+((?:19|20)\d\d)\b/i.exec(rest);
	if (!yearM && !relative) return null;
	const thr = /[>≥]\s*(\d+(?:[ ,.]\d+)?)\s*(k|K|M)?\s*€/.exec(src);
	let thresholdEurHt: number | null = null;
	if (thr) thresholdEurHt = num(thr[1].replace(/\s/g, '')) * (thr[2] === 'M' ? 1_000_000 : thr[2] ? 1000 : 1);
	milestones.sort((a, b) => a.year - b.year);
	return {
		id: `import-target-${++targetSeq}`,
		indicatorCode: null,
		label: src.slice(0, 500),
		unit: '%',
		value: num(pct[1]),
		year: yearM ? Number(yearM[1]) : null,
		milestones,
		baselineYear: null,
		relative,
		thresholdEurHt,
		scope: '',
		sourceText: src
	};
}

const FIELD_LABEL =
	/^(INDICATEURS?|Indicateurs?( de suivi)?|OUTILS|Outils|DIRECTIONS? PILOTES?|Directions? pilotes?|DIRECTIONS? RESSOURCES?|Directions? ressources?|PILOTES?|Pilotes?)\s*:?\s*(.*)$/;

/** Splits « Direction A (DA) Direction B (DB) » into its directions. */
function splitOwners(s: string): string[] {
	return s
		.split(/(?<=\))\s+(?=[A-ZÀ-Ý])|\s*[;•]\s*|\s+et\s+(?=Direction|Service|Pôle|Mission)/)
		.map((x) => x.trim().replace(/[.,]$/, ''))
		.filter((x) => x.length > 1)
		.map((x) => x.slice(0, 300));
}

/**
 * The owners, tools and indicators blocks of an action card (« INDICATEURS » + list, « OUTILS » + list,
 * « DIRECTION PILOTE : … », « DIRECTIONS RESSOURCES : … »): copied into the node's fields, the text stays in the body.
 */
function readFields(b: BodyBuilder): { pilot: string; resources: string[]; tools: string[]; indicators: string[] } {
	const out = { pilot: '', resources: [] as string[], tools: [] as string[], indicators: [] as string[] };
	for (let i = 0; i < b.raw.length; i++) {
		if (b.list[i]) continue;
		const m = FIELD_LABEL.exec(b.raw[i]);
		if (!m || b.raw[i].length > 600) continue;
		const word = normKey(m[1]);
		let rest = m[3].trim();
		const items: string[] = [];
		let j = i + 1;
		for (; j < b.raw.length && b.list[j]; j++) items.push(b.raw[j].replace(/^[✓✔]\s*/, '').trim());
		if (word.startsWith('indicateur')) {
			if (rest) items.unshift(rest);
			out.indicators.push(...items.filter((x) => x.length > 2 && x.length <= 500));
		} else if (word.startsWith('outil')) {
			if (rest) items.unshift(...rest.split(/\s*[;,]\s*/));
			out.tools.push(...items.filter((x) => x.length > 1).map((x) => x.slice(0, 300)));
		} else if (word.includes('ressource')) {
			out.resources.push(...splitOwners(rest), ...items.map((x) => x.slice(0, 300)));
		} else {
			if (!rest && items.length) rest = items.join(' ; ');
			if (rest && !out.pilot) out.pilot = rest.slice(0, 300);
		}
		i = j - 1;
	}
	out.resources = [...new Set(out.resources)].slice(0, 50);
	out.tools = [...new Set(out.tools)].slice(0, 100);
	return out;
}

/** Target statements are often spread over several short blocks (« 15% DES MARCHÉS » / « … » / « à l'horizon 2028 »). */
function detectTargets(raw: string[]): DetectedTarget[] {
	const out: DetectedTarget[] = [];
	const startsTarget = (s: string) => /^(\d{1,3}(?:[,.]\d+)?\s*%|augmenter de|atteindre|r[ée]duire de)/i.test(s);
	for (let i = 0; i < raw.length; i++) {
		if (!PCT.test(raw[i])) {
			const t = raw[i].length <= 400 && COUNT_TARGET.test(raw[i]) ? parseCountTarget(raw[i]) : null;
			if (t) out.push(t);
			continue;
		}
		let text = raw[i];
		if (startsTarget(raw[i])) {
			for (let j = i + 1; j < raw.length && raw[j].length < 90 && !startsTarget(raw[j]) && text.length < 300; j++) {
				text += ' ' + raw[j];
				i = j;
			}
		}
		const t = parseTarget(text);
		if (t) out.push(t);
	}
	return out;
}

// ---------------------------------------------------------------------------------------------------------
// Detection

interface Open {
	node: ImportNode;
	rank: number;
	key: string;
	builder: BodyBuilder;
}

function newId(): string {
	return crypto.randomUUID();
}

export function detectStructure(input: ImportInput): ImportResult {
	targetSeq = 0;
	const dropped: DroppedText[] = [];
	const unplaced: UnplacedText[] = [];
	const lines = splitLines(input.text, input.format, dropped);
	const toc = findToc(lines);
	if (toc)
		for (let i = toc.start; i <= toc.end; i++)
			if (lines[i].text) dropped.push({ text: lines[i].text, reason: 'toc', line: lines[i].line });
	const body = lines.map((l, i) => ({ ...l, skip: !!toc && i >= toc.start && i <= toc.end }));

	// Markdown (and DOCX) headings drive the structure when there are enough of them: a document whose only
	// heading is its title, while « AXE 1 », « Action 2 : »… are plain bold paragraphs, is read by its words.
	const mdHeadings = body.filter((l) => !l.skip && l.mdLevel > 0).length;
	const keywordLines = body.filter((l) => !l.skip && l.text && classify(l.text)).length;
	const keywordOutsideHeadings = body.filter((l) => !l.skip && l.text && !l.mdLevel && classify(l.text)).length;
	const useMd = input.format === 'md' && mdHeadings >= 2 && keywordOutsideHeadings < mdHeadings;
	const hasKeywords = keywordLines >= 2;
	const mode: 'md' | 'keywords' | 'numeric' = useMd ? 'md' : hasKeywords ? 'keywords' : 'numeric';

	const nodes: ImportNode[] = [];
	const built = new Map<string, BodyBuilder>();
	const words = new Map<number, string>(); // rank → level name
	const stack: Open[] = [];
	let annex = false;
	let pendingPara: { text: string; line: number } | null = null;
	let lastPilier: string | null = null;

	const current = () => stack[stack.length - 1] ?? null;
	const flushPara = () => {
		if (!pendingPara) return;
		const cur = current();
		if (cur && !annex) addParagraph(cur.builder, pendingPara.text);
		else
			unplaced.push({
				text: plain(pendingPara.text),
				line: pendingPara.line,
				reason: annex ? 'annex' : nodes.length ? 'outside_structure' : 'preamble'
			});
		pendingPara = null;
	};
	const addText = (l: Line, joinable: boolean) => {
		const cur = current();
		if (cur) cur.builder.lastLine = Math.max(cur.builder.lastLine, l.line);
		if (l.list) {
			flushPara();
			if (cur && !annex) addListItem(cur.builder, l.text);
			else
				unplaced.push({
					text: plain(l.text),
					line: l.line,
					reason: annex ? 'annex' : nodes.length ? 'outside_structure' : 'preamble'
				});
			return;
		}
		if (pendingPara && joinable) pendingPara.text += ' ' + l.text;
		else {
			flushPara();
			pendingPara = { text: l.text, line: l.line };
		}
	};

	const openNode = (h: Heading, key: string, line: number) => {
		flushPara();
		while (stack.length && current()!.rank >= h.rank) stack.pop();
		const parent = current();
		if (!words.has(h.rank)) words.set(h.rank, h.word);
		const node: ImportNode = {
			id: newId(),
			parentId: parent?.node.id ?? null,
			depth: 0,
			number: h.number,
			title: h.title,
			body: [],
			kind: h.kind,
			targets: [],
			pilot: '',
			resources: [],
			tools: [],
			sourceLines: [line, line]
		};
		nodes.push(node);
		const builder: BodyBuilder = { blocks: [], raw: [], list: [], lastLine: line };
		built.set(node.id, builder);
		stack.push({ node, rank: h.rank, key, builder });
	};

	let lastL1Key = '';

	for (let i = 0; i < body.length; i++) {
		const l = body[i];
		if (l.skip) continue;
		if (!l.text) {
			flushPara();
			continue;
		}
		const p = plain(l.text);
		const prevBlank = i === 0 || !body[i - 1].text || body[i - 1].skip;
		const nextBlank = i + 1 >= body.length || !body[i + 1].text;

		// a block that is only a number: a page number (or, after a PILIER header, the objective number)
		if (/^\d{1,3}$/.test(p) && prevBlank && nextBlank && mode !== 'numeric') {
			const cur = current();
			if (lastPilier !== null && cur && mode === 'keywords') {
				// « PILIER X / 1 / TITLE OF THE OBJECTIVE » (Pas-de-Calais body headers)
				let j = i + 1;
				while (j < body.length && !body[j].text) j++;
				const t = body[j];
				if (t && !t.skip && isUpper(t.text) && isShortTitle(t.text) && !classify(t.text)) {
					let title = plain(t.text);
					let k = j + 1;
					while (k < body.length && body[k].text && isUpper(body[k].text) && !classify(body[k].text))
						title += ' ' + plain(body[k++].text);
					const h: Heading = { rank: 2, word: 'Objectif', number: p, title, label: p, kind: 'normal' };
					const key = `${lastPilier}/${keyOf(h)}`;
					const open = stack.find((s) => s.rank === 2);
					if (open && open.key === key) {
						dropped.push({ text: p, reason: 'repeated_header', line: l.line });
						for (let x = j; x < k; x++)
							dropped.push({ text: body[x].text, reason: 'repeated_header', line: body[x].line });
					} else {
						dropped.push({ text: p, reason: 'heading_label', line: l.line });
						openNode(h, key, l.line);
						current()!.node.title = restoreCase(title, toc);
						current()!.builder.lastLine = body[k - 1].line;
					}
					i = k - 1;
					lastPilier = null;
					continue;
				}
			}
			dropped.push({ text: p, reason: 'page_number', line: l.line });
			continue;
		}
		lastPilier = null;

		// Pas-de-Calais: a level-2 heading missing from the body, announced only by its intro sentence
		if (
			mode === 'keywords' &&
			prevBlank &&
			/^L['’]objectif est (?:de |d['’])/.test(p) &&
			current()?.rank === 3 &&
			words.get(2) === 'Objectif'
		) {
			const l2 = stack.find((s) => s.rank === 2)!;
			const n = l2.node.number && /^\d+$/.test(l2.node.number) ? String(Number(l2.node.number) + 1) : null;
			const title = (n && toc?.level2.get(`${lastL1Key}/${n}`)) || '';
			const h: Heading = { rank: 2, word: 'Objectif', number: n, title, label: '', kind: 'normal' };
			openNode(h, `${lastL1Key}/${keyOf(h)}`, l.line);
		}

		// Pas-de-Calais action cards end with their owners (« DIRECTION PILOTE : … »); an « Objectif : » block
		// right after them starts a card whose heading the body lost (« Favoriser les dons et les enchères »)
		if (
			mode === 'keywords' &&
			prevBlank &&
			/^Objectif\s*:/.test(p) &&
			(current()?.rank ?? 0) >= 3 &&
			words.get(2) === 'Objectif'
		) {
			const cur = current()!;
			const recent = cur.builder.raw.slice(-2); // a blank line came before, so no paragraph is pending
			const action = stack.find((s) => s.rank === 3)!;
			const l2 = stack.find((s) => s.rank === 2);
			if (
				recent.some((r) => /^DIRECTIONS? (?:PILOTE|RESSOURCES)\s*:/.test(r)) &&
				l2 &&
				action.node.number &&
				/^\d+$/.test(action.node.number)
			) {
				const n = String(Number(action.node.number) + 1);
				const title = toc?.level3.get(`${l2.key}/${n}`) ?? '';
				openNode({ rank: 3, word: 'Action', number: n, title, label: '', kind: 'normal' }, `3:Action:${n}`, l.line);
			}
		}

		if (/^ANNEXE\b/.test(p) && nodes.length && mode === 'keywords') {
			flushPara();
			annex = true;
			unplaced.push({ text: p, line: l.line, reason: 'annex' });
			continue;
		}
		if (annex) {
			addText(l, !prevBlank && !l.list);
			continue;
		}

		let h: Heading | null = null;
		if (mode === 'md') {
			if (l.mdLevel) {
				const k = classify(p);
				h = k
					? { ...k, rank: l.mdLevel, title: k.title || p }
					: {
							rank: l.mdLevel,
							word: '',
							number: null,
							title: p,
							label: '',
							kind: /^action bonus\b/i.test(p) ? 'action_bonus' : 'normal'
						};
			}
		} else if (mode === 'keywords') {
			h = l.list ? null : classify(p);
			if (!h && !l.list) {
				const d = DOTTED_RE.exec(p);
				const chantier = stack.find((s) => s.rank === 2);
				if (
					d &&
					chantier &&
					(chantier.node.number === null || chantier.node.number === d[2]) &&
					isShortTitle(d[4] ?? d[3])
				)
					h = { rank: 3, word: 'Action', number: `${d[2]}.${d[3]}`, title: d[4], label: d[1].trim(), kind: 'normal' };
			}
			if (!h && !l.list) {
				const a = LETTER_RE.exec(p);
				if (
					a &&
					stack.some((s) => s.rank === 3) &&
					prevBlank &&
					!/^[A-H] (?:la|le|les|un|une|des|du|de|court|long|moyen|terme)\b/i.test(p)
				)
					h = { rank: 4, word: 'Sous-action', number: a[2], title: a[3], label: a[1].trim(), kind: 'normal' };
			}
		} else {
			const n = l.list ? null : NUMERIC_RE.exec(p);
			if (n && isShortTitle(n[3]) && prevBlank)
				h = { rank: n[2].split('.').length, word: '', number: n[2], title: n[3], label: n[1].trim(), kind: 'normal' };
		}

		if (!h) {
			addText(l, !prevBlank && !l.list && !body[i - 1]?.list);
			continue;
		}

		// strip a page number glued to the title (« … levier de transformation écologique **11** »)
		const stripped = stripPageRef(h.title);
		if (stripped.page && mode !== 'numeric') {
			dropped.push({ text: stripped.page, reason: 'page_number', line: l.line });
			h.title = stripped.text;
		}
		let lastLine = l.line;
		// bare level word (« AXE 1 », « CHANTIER 5 : », « ACTION 1 »): the title is the next line or block
		if (!h.title) {
			let j = i + 1;
			while (j < body.length && !body[j].text) j++;
			const t = body[j];
			if (t && !t.skip && !t.list && isShortTitle(t.text) && !classify(t.text)) {
				const sameBlock = j === i + 1;
				let title = t.text;
				let k = j + 1;
				if (!sameBlock)
					while (k < body.length && body[k].text && !body[k].list && !classify(body[k].text))
						title += ' ' + body[k++].text;
				if (plain(title).length <= 300) {
					h.title = plain(title);
					lastLine = body[k - 1].line;
					i = k - 1;
				}
			}
		} else if (isUpper(h.title)) {
			// UPPER-CASE titles broken over several lines
			while (
				i + 1 < body.length &&
				body[i + 1].text &&
				isUpper(body[i + 1].text) &&
				!body[i + 1].list &&
				!classify(body[i + 1].text)
			) {
				h.title += ' ' + plain(body[++i].text);
				lastLine = body[i].line;
			}
		}
		h.title = plain(h.title);

		const key = keyOf(h);
		const open = stack.find((s) => s.rank === h.rank);
		if (open && open.key === key && mode === 'keywords') {
			// the same heading again: a page header repeated on each page
			dropped.push({ text: h.label, reason: 'repeated_header', line: l.line });
			if (
				normKey(h.title) === normKey(open.node.title) ||
				normKey(restoreCase(h.title, toc)) === normKey(open.node.title) ||
				!h.title
			)
				dropped.push({ text: h.title, reason: 'repeated_header', line: lastLine });
			else addParagraph(open.builder, h.title);
			if (h.word === 'Pilier') lastPilier = key;
			continue;
		}
		if (h.label) dropped.push({ text: h.label, reason: 'heading_label', line: l.line });
		openNode(h, key, l.line);
		current()!.node.title = restoreCase(h.title, toc);
		current()!.builder.lastLine = lastLine;
		if (h.word === 'Pilier') lastPilier = key;
		if (h.rank === 1) lastL1Key = key;
	}
	flushPara();

	return finish(nodes, built, words, mode, dropped, unplaced);
}

const squash = (k: string) => k.replace(/(.)\1+/g, '$1');

/** Body headings are often in UPPER CASE while the TOC has them in sentence case: take the TOC's case. */
function restoreCase(title: string, toc: Toc | null): string {
	if (!toc || !isUpper(title)) return title;
	const exact = toc.titles.get(normKey(title));
	const words = title.split(' ');
	let best: string | null = exact ?? null;
	if (!best) {
		for (const t of toc.titles.values()) {
			const tw = t.split(' ');
			if (tw.length !== words.length) continue;
			const same = tw.filter((w, i) => squash(normKey(w)) === squash(normKey(words[i]))).length;
			if (same / tw.length >= 0.75) {
				best = t;
				break;
			}
		}
	}
	if (!best) return title;
	const tw = best.split(' ');
	if (tw.length !== words.length) return best;
	// keep the body's words (its spelling), with the TOC's case where the words match
	return words
		.map((w, i) => {
			if (normKey(w) === normKey(tw[i])) return tw[i];
			const lower = w.toLowerCase();
			return /[A-Z]{2,}/.test(tw[i]) ? w : i === 0 ? lower.charAt(0).toUpperCase() + lower.slice(1) : lower;
		})
		.join(' ');
}

function finish(
	nodes: ImportNode[],
	built: Map<string, BodyBuilder>,
	words: Map<number, string>,
	mode: 'md' | 'keywords' | 'numeric',
	dropped: DroppedText[],
	unplaced: UnplacedText[]
): ImportResult {
	const byId = new Map(nodes.map((n) => [n.id, n]));
	for (const n of nodes) {
		let d = 1;
		for (let p = n.parentId; p; p = byId.get(p)?.parentId ?? null) d++;
		n.depth = d;
		const b = built.get(n.id);
		if (b) {
			n.body = b.blocks;
			n.sourceLines = [n.sourceLines[0], Math.max(n.sourceLines[0], b.lastLine)];
			n.targets = detectTargets(b.raw);
			const f = readFields(b);
			n.pilot = f.pilot;
			n.resources = f.resources;
			n.tools = f.tools;
			for (const label of f.indicators)
				if (!n.targets.some((t) => t.sourceText.includes(label)))
					n.targets.push({
						id: `import-target-${++targetSeq}`,
						indicatorCode: null,
						label: label.slice(0, 500),
						unit: '',
						value: null,
						year: null,
						milestones: [],
						baselineYear: null,
						relative: false,
						thresholdEurHt: null,
						scope: '',
						sourceText: label
					});
		}
	}
	const maxDepth = nodes.reduce((m, n) => Math.max(m, n.depth), 0);
	const ranks = [...words.keys()].sort((a, b) => a - b);
	const levelNames: string[] = [];
	for (let d = 1; d <= Math.max(maxDepth, 1); d++) {
		const w = words.get(ranks[d - 1] ?? -1);
		levelNames.push(
			w && mode !== 'numeric' ? w : (['Axe', 'Objectif', 'Action', 'Sous-action', 'Étape'][d - 1] ?? `Niveau ${d}`)
		);
	}
	if (mode === 'keywords' && levelNames[2] === 'Action' && levelNames.length >= 4 && !words.has(4))
		levelNames[3] = 'Sous-action';
	// numbering: global when level-2 numbers keep increasing across level-1 parents
	let numbering: Numbering = 'per_parent';
	const l2 = nodes.filter((n) => n.depth === 2 && n.number && /^\d+$/.test(n.number));
	if (l2.length > 1) {
		const firstOfParents = new Map<string, number>();
		for (const n of l2) if (!firstOfParents.has(n.parentId!)) firstOfParents.set(n.parentId!, Number(n.number));
		const firsts = [...firstOfParents.values()];
		if (firsts.length > 1 && firsts.every((v, i) => i === 0 || v > firsts[i - 1])) numbering = 'global';
	}
	const stats: Record<string, number> = {};
	for (const n of nodes) {
		const name = levelNames[n.depth - 1];
		stats[name] = (stats[name] ?? 0) + 1;
	}
	return { settings: { levelNames: levelNames.slice(0, 5), numbering }, nodes, dropped, unplaced, stats };
}
