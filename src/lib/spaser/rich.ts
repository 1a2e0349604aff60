import * as Y from 'yjs';
import type { RichNode } from './model';

type Marks = NonNullable<RichNode['marks']>;

/** Reads a Yjs XML fragment written by Tiptap/y-tiptap into ProseMirror-like JSON (no DOM needed). */
export function fragmentToJson(frag: Y.XmlFragment | Y.XmlElement): RichNode[] {
	const out: RichNode[] = [];
	for (const child of frag.toArray()) {
		if (child instanceof Y.XmlText) {
			for (const op of child.toDelta() as { insert: unknown; attributes?: Record<string, unknown> }[]) {
				if (typeof op.insert !== 'string' || op.insert === '') continue;
				const marks: Marks = Object.entries(op.attributes ?? {}).map(([type, attrs]) =>
					attrs && typeof attrs === 'object' && Object.keys(attrs).length
						? { type, attrs: attrs as Record<string, unknown> }
						: { type }
				);
				out.push(marks.length ? { type: 'text', text: op.insert, marks } : { type: 'text', text: op.insert });
			}
		} else if (child instanceof Y.XmlElement) {
			const attrs = child.getAttributes() as Record<string, unknown>;
			const node: RichNode = { type: child.nodeName };
			if (Object.keys(attrs).length) node.attrs = attrs;
			const content = fragmentToJson(child);
			if (content.length) node.content = content;
			out.push(node);
		}
	}
	return out;
}

function textToYText(nodes: RichNode[]): Y.XmlText {
	const t = new Y.XmlText();
	const delta = nodes
		.filter((n) => n.type === 'text' && n.text)
		.map((n) => ({
			insert: n.text!,
			...(n.marks?.length ? { attributes: Object.fromEntries(n.marks.map((m) => [m.type, m.attrs ?? {}])) } : {})
		}));
	t.applyDelta(delta);
	return t;
}

function toYNodes(nodes: RichNode[]): (Y.XmlElement | Y.XmlText)[] {
	const out: (Y.XmlElement | Y.XmlText)[] = [];
	let run: RichNode[] = [];
	const flush = () => {
		if (run.length) out.push(textToYText(run));
		run = [];
	};
	for (const n of nodes) {
		if (n.type === 'text') {
			run.push(n);
			continue;
		}
		flush();
		const el = new Y.XmlElement(n.type);
		for (const [k, v] of Object.entries(n.attrs ?? {}))
			if (v !== undefined && v !== null) el.setAttribute(k, v as string);
		el.insert(0, toYNodes(n.content ?? []));
		out.push(el);
	}
	flush();
	return out;
}

/** Replaces the content of a fragment with the given rich text (inside the caller's transaction). */
export function setFragmentJson(frag: Y.XmlFragment, nodes: RichNode[]) {
	if (frag.length) frag.delete(0, frag.length);
	frag.insert(0, toYNodes(nodes));
}

/** Paragraphs from plain text (blank lines separate paragraphs). */
export function paragraphsFromText(text: string): RichNode[] {
	return text
		.split(/\n{2,}/)
		.map((p) => p.trim())
		.filter(Boolean)
		.map((p) => ({ type: 'paragraph', content: [{ type: 'text', text: p.replace(/\n/g, ' ') }] }));
}

const BLOCKS = new Set([
	'paragraph',
	'heading',
	'listItem',
	'tableRow',
	'blockquote',
	'codeBlock',
	'bulletList',
	'orderedList',
	'table'
]);

export function richToText(nodes: RichNode[]): string {
	let s = '';
	const walk = (ns: RichNode[]) => {
		for (const n of ns) {
			if (n.type === 'text') s += n.text ?? '';
			else if (n.type === 'hardBreak') s += '\n';
			else if (n.type === 'tableCell' || n.type === 'tableHeader') {
				walk(n.content ?? []);
				s += '\t';
			} else {
				walk(n.content ?? []);
				if (BLOCKS.has(n.type) && !s.endsWith('\n')) s += '\n';
			}
		}
	};
	walk(nodes);
	return s
		.replace(/\t\n/g, '\n')
		.replace(/\n{3,}/g, '\n\n')
		.trim();
}

const esc = (s: string) =>
	s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function safeHref(href: unknown): string | null {
	if (typeof href !== 'string') return null;
	const h = href.trim();
	// "//host" and "/\host" are links to another site for browsers: only same-site paths start with a single "/"
	if (/[\s<>"\\]/.test(h) || h.startsWith('//')) return null;
	return /^(https?:\/\/[^/]|mailto:)/i.test(h) || h.startsWith('/') || h.startsWith('#') ? h : null;
}

/** Renders rich text to sanitized HTML: only known elements and safe link schemes; all text escaped. */
export function richToHtml(nodes: RichNode[]): string {
	return nodes
		.map((n) => {
			const inner = () => richToHtml(n.content ?? []);
			switch (n.type) {
				case 'text': {
					let t = esc(n.text ?? '');
					for (const m of n.marks ?? []) {
						if (m.type === 'bold') t = `<strong>${t}</strong>`;
						else if (m.type === 'italic') t = `<em>${t}</em>`;
						else if (m.type === 'underline') t = `<u>${t}</u>`;
						else if (m.type === 'strike') t = `<s>${t}</s>`;
						else if (m.type === 'code') t = `<code>${t}</code>`;
						else if (m.type === 'link') {
							const href = safeHref(m.attrs?.href);
							if (href) t = `<a href="${esc(href)}" rel="noopener noreferrer">${t}</a>`;
						}
					}
					return t;
				}
				case 'paragraph':
					return `<p>${inner()}</p>`;
				case 'heading': {
					const level = Math.min(6, Math.max(1, Number(n.attrs?.level) || 3));
					return `<h${level}>${inner()}</h${level}>`;
				}
				case 'bulletList':
					return `<ul>${inner()}</ul>`;
				case 'orderedList':
					return `<ol>${inner()}</ol>`;
				case 'listItem':
					return `<li>${inner()}</li>`;
				case 'blockquote':
					return `<blockquote>${inner()}</blockquote>`;
				case 'codeBlock':
					return `<pre><code>${inner()}</code></pre>`;
				case 'hardBreak':
					return '<br>';
				case 'horizontalRule':
					return '<hr>';
				case 'table':
					return `<table><tbody>${inner()}</tbody></table>`;
				case 'tableRow':
					return `<tr>${inner()}</tr>`;
				case 'tableHeader':
					return `<th>${inner()}</th>`;
				case 'tableCell':
					return `<td>${inner()}</td>`;
				default:
					return inner();
			}
		})
		.join('');
}
