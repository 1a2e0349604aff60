/**
 * A tiny ZIP reader for tests (DOCX files are ZIP archives): reads the central directory and returns each
 * entry's bytes. Supports stored (0) and deflated (8) entries, which is what DOCX writers produce.
 */
import { inflateRawSync } from 'node:zlib';

export function unzip(buf: Uint8Array): Map<string, Buffer> {
	const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
	// End of central directory: signature 0x06054b50, searched backwards (a comment may follow it)
	let eocd = -1;
	for (let i = b.length - 22; i >= Math.max(0, b.length - 22 - 0xffff); i--)
		if (b.readUInt32LE(i) === 0x06054b50) {
			eocd = i;
			break;
		}
	if (eocd < 0) throw new Error('not a zip file (no end of central directory)');
	const count = b.readUInt16LE(eocd + 10);
	let p = b.readUInt32LE(eocd + 16);
	const out = new Map<string, Buffer>();
	for (let n = 0; n < count; n++) {
		if (b.readUInt32LE(p) !== 0x02014b50) throw new Error(`bad central directory entry at ${p}`);
		const method = b.readUInt16LE(p + 10);
		const compressed = b.readUInt32LE(p + 20);
		const size = b.readUInt32LE(p + 24);
		const nameLen = b.readUInt16LE(p + 28);
		const extraLen = b.readUInt16LE(p + 30);
		const commentLen = b.readUInt16LE(p + 32);
		const local = b.readUInt32LE(p + 42);
		const name = b.toString('utf8', p + 46, p + 46 + nameLen);
		if (b.readUInt32LE(local) !== 0x04034b50) throw new Error(`bad local header for ${name}`);
		const dataStart = local + 30 + b.readUInt16LE(local + 26) + b.readUInt16LE(local + 28);
		const raw = b.subarray(dataStart, dataStart + compressed);
		let data: Buffer;
		if (method === 0) data = Buffer.from(raw);
		else if (method === 8) data = inflateRawSync(raw);
		else throw new Error(`unsupported compression method ${method} for ${name}`);
		if (data.length !== size) throw new Error(`size mismatch for ${name}: ${data.length} != ${size}`);
		out.set(name, data);
		p += 46 + nameLen + extraLen + commentLen;
	}
	return out;
}

/** The text of a WordprocessingML part: the content of every <w:t>, XML entities decoded, one string per paragraph. */
export function docxParagraphs(xml: string): string[] {
	const decode = (s: string) =>
		s.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-f]+);/gi, (_m, e: string) =>
			e === 'lt'
				? '<'
				: e === 'gt'
					? '>'
					: e === 'amp'
						? '&'
						: e === 'quot'
							? '"'
							: e === 'apos'
								? "'"
								: String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10))
		);
	return [...xml.matchAll(/<w:p[ >][\s\S]*?<\/w:p>/g)].map((p) =>
		[...p[0].matchAll(/<w:t(?: [^>]*)?>([^<]*)<\/w:t>/g)].map((t) => decode(t[1])).join('')
	);
}
