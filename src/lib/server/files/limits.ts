/**
 * Bounds on uploaded containers, checked BEFORE any parser sees them (issue 14: one small crafted DOCX took the
 * whole server down). Pure code, no I/O, usable both in the request thread and in the file worker:
 *
 * - `inspectZip`: reads a ZIP's central directory only (no inflating): entry count, declared uncompressed sizes
 *   (each and in total), compression ratio, encryption, methods, path sanity, duplicate names, local headers that
 *   agree with the directory and entries that do not overlap (the « better zip bomb » reuses one compressed
 *   stream for many entries). Cheap: proportional to the directory, whose size the entry limit bounds.
 * - `inflateEntry`: inflates one entry in small steps and stops as soon as it produces more than the declared
 *   size or the cap: declared sizes can lie, a deflate bomb is caught after a few megabytes, never after gigabytes.
 * - `scanXml`: one linear pass over XML bytes (nesting depth, element count, attributes per element, DTD or
 *   entity declarations), so that a parser is only given markup whose shape is known to be reasonable.
 *
 * Errors are AppErrors with French messages: 413 (`file_too_large`) when the content is too large once
 * decompressed, 422 (`file_too_complex`) when the file is malformed or too complex to be read safely.
 */
import { Inflate, Unzlib } from 'fflate';
import { AppError } from '$lib/server/kit/errors';

export const tooLarge = (detail: string) =>
	new AppError('file_too_large', `Le fichier est trop volumineux une fois décompressé (${detail}).`, 413, {
		field: 'file'
	});
export const tooComplex = (detail: string) =>
	new AppError(
		'file_too_complex',
		`Le fichier est trop complexe pour être lu (${detail}). Enregistrez-le à nouveau depuis votre logiciel, ou découpez-le.`,
		422,
		{
			field: 'file'
		}
	);
export const malformed = (detail: string) =>
	new AppError('file_malformed', `Le fichier est abîmé ou n’est pas un fichier valable (${detail}).`, 422, {
		field: 'file'
	});

const MB = 1024 * 1024;
const mb = (n: number) => `${Math.round(n / MB)}\u00a0Mo`;
const fr = (n: number) => n.toLocaleString('fr-FR').replace(/\u202f/g, '\u00a0');

export interface ZipLimits {
	/** Entries in the archive. */
	maxEntries: number;
	/** Declared (and real) uncompressed size of one entry. */
	maxEntryBytes: number;
	/** Sum of the uncompressed sizes. */
	maxTotalBytes: number;
	/** Uncompressed ÷ compressed size, for entries above 1 MB (ordinary XML compresses 5 to 30 times). */
	maxRatio: number;
}

/** Office documents (DOCX, ODT, XLSX, PPTX) of at most 10 MB: generous for real files, far below a bomb. */
export const OFFICE_ZIP_LIMITS: ZipLimits = {
	maxEntries: 2000,
	maxEntryBytes: 64 * MB,
	maxTotalBytes: 160 * MB,
	maxRatio: 250
};

export interface ZipEntry {
	name: string;
	method: number;
	compressedSize: number;
	size: number;
	/** Offset of the compressed data in the archive. */
	dataOffset: number;
}

const u16 = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
const u32 = (b: Uint8Array, o: number) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
const utf8 = new TextDecoder('utf-8', { fatal: false });

/** True when the bytes start like a ZIP archive (local header, or the end record of an empty one). */
export const isZip = (b: Uint8Array) =>
	b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && ((b[2] === 3 && b[3] === 4) || (b[2] === 5 && b[3] === 6));

/**
 * The entries of a ZIP archive from its central directory, checked against the limits; throws 413/422. Nothing
 * is inflated.
 */
export function inspectZip(bytes: Uint8Array, limits: ZipLimits = OFFICE_ZIP_LIMITS): ZipEntry[] {
	// End of central directory: 22 bytes + a comment of at most 65 535 bytes, searched from the end.
	let eocd = -1;
	for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
		if (
			bytes[i] === 0x50 &&
			bytes[i + 1] === 0x4b &&
			bytes[i + 2] === 5 &&
			bytes[i + 3] === 6 &&
			i + 22 + u16(bytes, i + 20) === bytes.length
		) {
			eocd = i;
			break;
		}
	}
	if (eocd < 0) throw malformed('archive ZIP incomplète');
	if (u16(bytes, eocd + 4) !== 0 || u16(bytes, eocd + 6) !== 0) throw malformed('archive ZIP en plusieurs morceaux');
	const count = u16(bytes, eocd + 10);
	const cdSize = u32(bytes, eocd + 12);
	const cdOffset = u32(bytes, eocd + 16);
	if (count === 0xffff || cdOffset === 0xffffffff || cdSize === 0xffffffff)
		throw tooComplex('archive ZIP64, réservée aux très gros fichiers');
	if (u16(bytes, eocd + 8) !== count) throw malformed('répertoire de l’archive incohérent');
	if (count > limits.maxEntries)
		throw tooComplex(`${fr(count)} fichiers dans l’archive, ${fr(limits.maxEntries)} au plus`);
	if (cdOffset + cdSize > eocd) throw malformed('répertoire de l’archive hors du fichier');

	const entries: ZipEntry[] = [];
	const spans: [number, number][] = [];
	const names = new Set<string>();
	let total = 0;
	let p = cdOffset;
	for (let i = 0; i < count; i++) {
		if (p + 46 > cdOffset + cdSize || u32(bytes, p) !== 0x02014b50) throw malformed('répertoire de l’archive abîmé');
		const flags = u16(bytes, p + 8);
		const method = u16(bytes, p + 10);
		const compressedSize = u32(bytes, p + 20);
		const size = u32(bytes, p + 24);
		const nameLen = u16(bytes, p + 28);
		const extraLen = u16(bytes, p + 30);
		const commentLen = u16(bytes, p + 32);
		const local = u32(bytes, p + 42);
		const name = utf8.decode(bytes.subarray(p + 46, p + 46 + nameLen));
		p += 46 + nameLen + extraLen + commentLen;
		if (flags & 1) throw tooComplex('document chiffré ou protégé par un mot de passe');
		if (method !== 0 && method !== 8) throw tooComplex(`méthode de compression ${method} non prise en charge`);
		if (
			!name ||
			name.length > 512 ||
			// eslint-disable-next-line no-control-regex -- control characters are what a ZIP entry name must not hold
			/[\u0000-\u001f\\]/.test(name) ||
			name.startsWith('/') ||
			/(^|\/)\.\.(\/|$)/.test(name) ||
			/^[a-z]:/i.test(name)
		)
			throw malformed('nom de fichier suspect dans l’archive');
		if (names.has(name)) throw malformed('fichier en double dans l’archive');
		names.add(name);
		if (size === 0xffffffff || compressedSize === 0xffffffff)
			throw tooComplex('archive ZIP64, réservée aux très gros fichiers');
		if (size > limits.maxEntryBytes)
			throw tooLarge(`«\u00a0${name.slice(0, 80)}\u00a0» ferait ${mb(size)}, ${mb(limits.maxEntryBytes)} au plus`);
		total += size;
		if (total > limits.maxTotalBytes) throw tooLarge(`plus de ${mb(limits.maxTotalBytes)} en tout`);
		if (method === 0 && size !== compressedSize) throw malformed('taille incohérente dans l’archive');
		if (size > MB && size / Math.max(1, compressedSize) > limits.maxRatio)
			throw tooComplex(
				`taux de compression anormal pour «\u00a0${name.slice(0, 80)}\u00a0» : ${fr(Math.round(size / Math.max(1, compressedSize)))} pour 1`
			);
		// The local header must be where the directory says, with the same name; its data must end before the directory.
		if (local + 30 > cdOffset || u32(bytes, local) !== 0x04034b50) throw malformed('en-tête local absent');
		const lNameLen = u16(bytes, local + 26);
		const lExtraLen = u16(bytes, local + 28);
		if (lNameLen !== nameLen || utf8.decode(bytes.subarray(local + 30, local + 30 + lNameLen)) !== name)
			throw malformed('en-tête local incohérent');
		const dataOffset = local + 30 + lNameLen + lExtraLen;
		if (dataOffset + compressedSize > cdOffset) throw malformed('données hors de l’archive');
		spans.push([local, dataOffset + compressedSize]);
		entries.push({ name, method, compressedSize, size, dataOffset });
	}
	// Entries may not share bytes: overlapping entries multiply one compressed stream (non-recursive zip bombs).
	spans.sort((a, b) => a[0] - b[0]);
	for (let i = 1; i < spans.length; i++)
		if (spans[i][0] < spans[i - 1][1]) throw tooComplex('fichiers superposés dans l’archive');
	return entries;
}

/** Where `inflateEntry` gives the bytes it produces, chunk by chunk (the XML scanner, a collector…). */
export type Sink = (chunk: Uint8Array) => void;

/**
 * Inflates one entry in steps of 16 KB of compressed input (at most ~16 MB out per step) and throws as soon as
 * the output exceeds the entry's declared size or `cap`: the real size is bounded whatever the header says.
 */
export function inflateEntry(bytes: Uint8Array, entry: ZipEntry, cap: number, sink?: Sink): number {
	const data = bytes.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize);
	const limit = Math.min(entry.size, cap);
	if (entry.method === 0) {
		if (entry.size > cap) throw tooLarge(`«\u00a0${entry.name.slice(0, 80)}\u00a0» dépasse ${mb(cap)}`);
		sink?.(data);
		return data.length;
	}
	let produced = 0;
	let ended = false;
	const inflater = new Inflate((chunk, final) => {
		produced += chunk.length;
		if (produced > limit)
			throw produced > entry.size
				? tooComplex(`«\u00a0${entry.name.slice(0, 80)}\u00a0» est plus gros que ce que l’archive annonce`)
				: tooLarge(`«\u00a0${entry.name.slice(0, 80)}\u00a0» dépasse ${mb(cap)}`);
		sink?.(chunk);
		if (final) ended = true;
	});
	try {
		const STEP = 16 * 1024;
		for (let o = 0; o < data.length; o += STEP)
			inflater.push(data.subarray(o, Math.min(data.length, o + STEP)), o + STEP >= data.length);
		if (!data.length) inflater.push(new Uint8Array(0), true);
	} catch (e) {
		if (e instanceof AppError) throw e;
		throw malformed(`«\u00a0${entry.name.slice(0, 80)}\u00a0» ne se décompresse pas`);
	}
	if (!ended && entry.size > 0) throw malformed(`«\u00a0${entry.name.slice(0, 80)}\u00a0» est tronqué`);
	if (produced !== entry.size) throw malformed(`«\u00a0${entry.name.slice(0, 80)}\u00a0» n’a pas la taille annoncée`);
	return produced;
}

/**
 * Inflates a zlib stream (a PDF's FlateDecode) in small steps and returns how many bytes it makes, or null as
 * soon as it makes more than `cap`. A damaged stream counts what it made before the damage.
 */
export function inflateCapped(data: Uint8Array, cap: number): number | null {
	let produced = 0;
	let over = false;
	const inflater = new Unzlib((chunk) => {
		produced += chunk.length;
		if (produced > cap) {
			over = true;
			throw new RangeError('cap');
		}
	});
	try {
		const STEP = 16 * 1024;
		for (let o = 0; o < data.length; o += STEP)
			inflater.push(data.subarray(o, Math.min(data.length, o + STEP)), o + STEP >= data.length);
	} catch {
		/* over the cap, or damaged */
	}
	return over ? null : produced;
}

/** Inflates one entry into memory (bounded by its checked size). */
export function readEntry(bytes: Uint8Array, entry: ZipEntry, cap: number): Uint8Array {
	const out = new Uint8Array(Math.min(entry.size, cap));
	let at = 0;
	inflateEntry(bytes, entry, cap, (c) => {
		out.set(c, at);
		at += c.length;
	});
	return out;
}

export interface XmlLimits {
	maxDepth: number;
	maxElements: number;
	maxAttributes: number;
	/** The document's whole element budget, for the message (`maxElements` is what is left of it for this part). */
	totalElements?: number;
	/** Also count the start tags of this name (`w:p`: Word paragraphs), at most `tag.max` of them. */
	tag?: { name: string; max: number; what: string };
}

export interface XmlCounts {
	elements: number;
	depth: number;
}

/**
 * A streaming scan of XML markup: counts start tags, the nesting depth and the attributes of each element, and
 * refuses DTDs (<!DOCTYPE, <!ENTITY: entity expansion). Feed it chunks with `push`, then `end`. Linear time, a
 * few bytes of state. It does not validate the XML (the parser does that afterwards, within these bounds).
 */
export class XmlScanner {
	counts: XmlCounts = { elements: 0, depth: 0 };
	private depth = 0;
	/** 0 text, 1 after '<', 2 in a start tag, 3 in an end tag, 4 in a comment/PI/CDATA/declaration. */
	private state = 0;
	private quote = 0;
	private attrs = 0;
	private prev = 0;
	private bang = '';
	private closer = '';
	/** Bytes of the watched tag name still matching, -1 once the current start tag's name differs. */
	private tagAt = -1;
	private tagCount = 0;
	private readonly tagBytes: Uint8Array | null;

	constructor(
		private limits: XmlLimits,
		private label: string
	) {
		this.tagBytes = limits.tag ? new TextEncoder().encode(limits.tag.name) : null;
	}

	/** The start tag's name ended (white space, '/' or '>'): was it the watched one? */
	private endTagName() {
		if (this.tagBytes && this.tagAt === this.tagBytes.length && ++this.tagCount > this.limits.tag!.max)
			throw this.complex(`plus de ${fr(this.limits.tag!.max)} ${this.limits.tag!.what}`);
		this.tagAt = -1;
	}

	private complex(detail: string): AppError {
		return tooComplex(`${this.label}\u00a0: ${detail}`);
	}

	push(chunk: Uint8Array) {
		const { maxDepth, maxElements, maxAttributes } = this.limits;
		// Hot fields in locals (written back at the end): this loop sees every byte of the document.
		let state = this.state;
		let quote = this.quote;
		let attrs = this.attrs;
		let depth = this.depth;
		let prev = this.prev;
		const counts = this.counts;
		const n = chunk.length;
		for (let i = 0; i < n; i++) {
			if (state === 0) {
				// Text: jump to the next '<' (native search).
				const j = chunk.indexOf(0x3c, i);
				if (j < 0) {
					prev = chunk[n - 1];
					break;
				}
				i = j;
				state = 1;
				prev = 0x3c;
				continue;
			}
			const c = chunk[i];
			if (state === 2) {
				if (this.tagAt >= 0) {
					if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x2f || c === 0x3e) this.endTagName();
					else if (this.tagBytes && this.tagAt < this.tagBytes.length && c === this.tagBytes[this.tagAt]) this.tagAt++;
					else this.tagAt = -1;
				}
				if (quote) {
					if (c === quote) quote = 0;
				} else if (c === 0x22 || c === 0x27) quote = c;
				else if (c === 0x3d) {
					if (++attrs > maxAttributes) throw this.complex(`plus de ${fr(maxAttributes)} attributs sur un élément`);
				} else if (c === 0x3e) {
					if (prev === 0x2f) depth--;
					state = 0;
				}
			} else if (state === 1) {
				if (c === 0x2f) state = 3;
				else if (c === 0x21 || c === 0x3f) {
					state = 4;
					this.bang = c === 0x21 ? '!' : '?';
					this.closer = c === 0x3f ? '?>' : '';
				} else {
					state = 2;
					attrs = 0;
					quote = 0;
					this.tagAt = this.tagBytes && c === this.tagBytes[0] ? 1 : -1;
					if (++counts.elements > maxElements)
						throw this.complex(`plus de ${fr(this.limits.totalElements ?? maxElements)} éléments`);
					if (++depth > maxDepth) throw this.complex(`plus de ${fr(maxDepth)} niveaux d’imbrication`);
					if (depth > counts.depth) counts.depth = depth;
				}
			} else if (state === 3) {
				if (c === 0x3e) {
					depth--;
					state = 0;
				}
			} else if (!this.closer) {
				// A declaration: decide what it is from its first characters.
				this.bang += String.fromCharCode(c);
				if (this.bang === '!--') this.closer = '-->';
				else if (this.bang === '![CDATA[') this.closer = ']]>';
				else if (/^!(D|DO|DOC|DOCT|DOCTY|DOCTYP|DOCTYPE|E|EN|ENT|ENTI|ENTIT|ENTITY)$/i.test(this.bang)) {
					if (/^!(DOCTYPE|ENTITY)$/i.test(this.bang))
						throw this.complex('déclaration de type de document (DTD) ou d’entités, refusée par sécurité');
				} else if (!'![CDATA['.startsWith(this.bang) && !'!--'.startsWith(this.bang)) this.closer = '>';
			} else if (this.closer.length === 1 ? c === 0x3e : this.endsWithCloser(c)) {
				state = 0;
				this.closer = '';
				this.tail = '';
			}
			prev = c;
		}
		this.state = state;
		this.quote = quote;
		this.attrs = attrs;
		this.depth = depth;
		this.prev = prev;
	}

	private tail = '';
	private endsWithCloser(c: number): boolean {
		this.tail = (this.tail + String.fromCharCode(c)).slice(-this.closer.length);
		return this.tail === this.closer;
	}

	end(): XmlCounts {
		return this.counts;
	}
}

/** Scans a whole XML text or byte array (see XmlScanner). */
export function scanXml(input: Uint8Array | string, limits: XmlLimits, label: string): XmlCounts {
	const s = new XmlScanner(limits, label);
	if (typeof input === 'string') {
		const enc = new TextEncoder();
		for (let o = 0; o < input.length; o += 1 << 20) s.push(enc.encode(input.slice(o, o + (1 << 20))));
	} else s.push(input);
	return s.end();
}

/** Largest image accepted (logos, attachments): browsers decode every pixel of an image they show. */
export const MAX_IMAGE_SIDE = 8000;
export const MAX_IMAGE_PIXELS = 40_000_000;

/** Width and height from a PNG, JPEG or WebP header (nothing is decoded); null when the header is unreadable. */
export function imageSize(b: Uint8Array): { width: number; height: number } | null {
	const be32 = (o: number) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
	const be16 = (o: number) => (b[o] << 8) | b[o + 1];
	if (b.length >= 24 && b[0] === 0x89 && b[1] === 0x50 && String.fromCharCode(...b.subarray(12, 16)) === 'IHDR')
		return { width: be32(16), height: be32(20) };
	if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) {
		let o = 2;
		while (o + 9 < b.length) {
			if (b[o] !== 0xff) return null;
			const marker = b[o + 1];
			if (marker === 0xff) {
				o++;
				continue;
			}
			if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
				o += 2;
				continue;
			}
			// SOF0…SOF15 except DHT (C4), JPG (C8) and DAC (CC): the frame header has the size.
			if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc)
				return { width: be16(o + 7), height: be16(o + 5) };
			o += 2 + be16(o + 2);
		}
		return null;
	}
	if (
		b.length >= 30 &&
		String.fromCharCode(...b.subarray(0, 4)) === 'RIFF' &&
		String.fromCharCode(...b.subarray(8, 12)) === 'WEBP'
	) {
		const chunk = String.fromCharCode(...b.subarray(12, 16));
		if (chunk === 'VP8X')
			return { width: 1 + (b[24] | (b[25] << 8) | (b[26] << 16)), height: 1 + (b[27] | (b[28] << 8) | (b[29] << 16)) };
		if (chunk === 'VP8L') {
			const bits = b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24);
			return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >>> 14) & 0x3fff) };
		}
		if (chunk === 'VP8 ') return { width: (b[26] | (b[27] << 8)) & 0x3fff, height: (b[28] | (b[29] << 8)) & 0x3fff };
		return null;
	}
	return null;
}

/** Refuses an image whose header is unreadable (422) or whose size would make every browser showing it stall (413). */
export function checkImage(bytes: Uint8Array): void {
	const size = imageSize(bytes);
	if (!size || !size.width || !size.height) throw malformed('en-tête d’image illisible');
	if (size.width > MAX_IMAGE_SIDE || size.height > MAX_IMAGE_SIDE || size.width * size.height > MAX_IMAGE_PIXELS)
		throw new AppError(
			'file_too_large',
			`L’image est trop grande (${fr(size.width)} × ${fr(size.height)} pixels)\u00a0: ${fr(MAX_IMAGE_SIDE)} pixels de côté et ${fr(MAX_IMAGE_PIXELS / 1_000_000)} millions de pixels au plus. Réduisez-la avant de l’envoyer.`,
			413,
			{ field: 'file' }
		);
}
