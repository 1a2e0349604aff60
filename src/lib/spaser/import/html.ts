// From the HTML that mammoth produces for a DOCX (headings, paragraphs, lists, bold, tables) to the
// Markdown-like text the structure detection reads: « # » headings, « - » list items, « ** » bold, one block
// per paragraph separated by blank lines, line breaks kept inside a block, table cells separated by tabs.
// mammoth's output is a small, regular subset of HTML, read here with a tokenizer (no DOM on the server).

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

export function decodeEntities(s: string): string {
	return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
		if (e[0] === '#') {
			const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
			return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
		}
		return ENTITIES[e.toLowerCase()] ?? m;
	});
}

interface ListState {
	ordered: boolean;
	n: number;
}

/** mammoth HTML → Markdown-like text for `detectStructure({ format: 'md' })`. */
export function htmlToImportText(html: string): string {
	const out: string[] = [];
	let buf = ''; // the current block's text
	let heading = 0;
	let inCell = false;
	let row: string[] | null = null;
	let cell = '';
	let boldDepth = 0;
	const lists: ListState[] = [];
	let itemPrefix: string | null = null;

	const emitBlock = () => {
		const text = buf.replace(/[ \t\u00a0]+\n/g, '\n').trim();
		buf = '';
		if (!text) {
			itemPrefix = null;
			return;
		}
		if (itemPrefix !== null) {
			// a list item: one line (its inner line breaks become spaces)
			out.push(itemPrefix + text.replace(/\s*\n\s*/g, ' '));
			itemPrefix = null;
			return;
		}
		if (heading) out.push(`${'#'.repeat(heading)} ${text.replace(/\s*\n\s*/g, ' ')}`);
		else out.push(text);
		out.push('');
	};
	const write = (s: string) => {
		if (inCell) cell += s;
		else buf += s;
	};

	const re = /<(\/?)([a-zA-Z0-9]+)[^>]*?(\/?)>|([^<]+)/g;
	for (let m = re.exec(html); m; m = re.exec(html)) {
		if (m[4] !== undefined) {
			write(decodeEntities(m[4]).replace(/[\r\n]+/g, ' '));
			continue;
		}
		const closing = m[1] === '/';
		const tag = m[2].toLowerCase();
		switch (tag) {
			case 'h1':
			case 'h2':
			case 'h3':
			case 'h4':
			case 'h5':
			case 'h6':
				if (inCell) {
					if (closing) cell += ' ';
					break;
				}
				emitBlock();
				heading = closing ? 0 : Number(tag[1]);
				break;
			case 'p':
				if (inCell) {
					if (closing) cell += ' ';
					break;
				}
				if (itemPrefix !== null) {
					// a paragraph inside a list item continues the item
					if (closing) buf += ' ';
					break;
				}
				emitBlock();
				break;
			case 'br':
				write(inCell || itemPrefix !== null ? ' ' : '\n');
				break;
			case 'strong':
			case 'b':
				// bold markers only outside headings and cells (a heading is recognised on its plain text anyway)
				if (closing) boldDepth = Math.max(0, boldDepth - 1);
				else boldDepth++;
				if (!heading && !inCell && ((closing && boldDepth === 0) || (!closing && boldDepth === 1))) write('**');
				break;
			case 'ul':
			case 'ol':
				if (inCell) break;
				if (closing) {
					emitBlock();
					lists.pop();
					if (!lists.length) out.push('');
				} else {
					emitBlock();
					lists.push({ ordered: tag === 'ol', n: 0 });
				}
				break;
			case 'li': {
				if (inCell) {
					if (closing) cell += ' ';
					break;
				}
				emitBlock();
				if (!closing) {
					const l = lists[lists.length - 1] ?? { ordered: false, n: 0 };
					l.n++;
					itemPrefix = `${'  '.repeat(Math.max(0, lists.length - 1))}- ${l.ordered ? `${l.n}. ` : ''}`;
				}
				break;
			}
			case 'table':
				if (!closing) emitBlock();
				else out.push('');
				break;
			case 'tr':
				if (closing) {
					if (row && row.some((c) => c)) out.push(row.join('\t'));
					row = null;
				} else row = [];
				break;
			case 'td':
			case 'th':
				if (closing) {
					row?.push(cell.replace(/\s+/g, ' ').trim());
					cell = '';
					inCell = false;
				} else {
					inCell = true;
					cell = '';
				}
				break;
			default:
				// em, u, s, a, sup, sub, img, span…: the text is kept, the markup dropped
				break;
		}
	}
	emitBlock();
	return out
		.join('\n')
		.replace(/\*\*(\s*)\*\*/g, '$1') // empty bold runs
		.replace(/\n{3,}/g, '\n\n')
		.trim();
}
