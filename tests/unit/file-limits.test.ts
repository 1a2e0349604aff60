// The bounds checked before any parser reads an upload (src/lib/server/files/limits.ts): ZIP central directory,
// capped inflate, XML scan, image headers. The crafted files are those of the hostile-files integration test.
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/lib/server/kit/errors';
import {
	checkImage,
	imageSize,
	inflateEntry,
	inspectZip,
	scanXml,
	XmlScanner
} from '../../src/lib/server/files/limits';
import * as H from '../helpers/hostile-files';

function refusal(fn: () => unknown): AppError {
	try {
		fn();
	} catch (e) {
		expect(e).toBeInstanceOf(AppError);
		return e as AppError;
	}
	throw new Error('not refused');
}

const XML = { maxDepth: 10, maxElements: 100, maxAttributes: 5 };

describe('inspectZip (central directory only)', () => {
	it('lists an ordinary archive', () => {
		const zip = zipSync({ 'a.xml': strToU8('<a/>'), 'dossier/b.txt': strToU8('bonjour') });
		expect(inspectZip(zip).map((e) => [e.name, e.size])).toEqual([
			['a.xml', 4],
			['dossier/b.txt', 7]
		]);
	});

	it('refuses declared sizes beyond the bounds (413), abnormal ratios, overlapping entries, too many entries (422)', () => {
		expect(refusal(() => inspectZip(H.docxZeros(100))).status).toBe(413);
		expect(refusal(() => inspectZip(H.docxZeros(10))).message).toMatch(/taux de compression anormal/);
		expect(refusal(() => inspectZip(H.docxOverlapping())).message).toMatch(/superposés/);
		expect(refusal(() => inspectZip(H.docxManyEntries(2100))).message).toMatch(/fichiers dans l’archive/);
	});

	it('refuses path traversal and truncated archives', () => {
		const zip = zipSync({ 'aa/../../etc/passwd': strToU8('x') });
		expect(refusal(() => inspectZip(zip)).code).toBe('file_malformed');
		expect(refusal(() => inspectZip(zip.subarray(0, zip.length - 10))).code).toBe('file_malformed');
	});
});

describe('inflateEntry (capped, whatever the headers say)', () => {
	it('stops an entry that inflates beyond its declared size', () => {
		const zip = H.docxLyingSize(20);
		const entries = inspectZip(zip);
		const lying = entries.find((e) => e.name === 'word/media/image1.bin')!;
		expect(lying.size).toBe(1000);
		let seen = 0;
		const err = refusal(() => inflateEntry(zip, lying, 64 << 20, (c) => (seen += c.length)));
		expect(err.message).toMatch(/plus gros que ce que l’archive annonce/);
		expect(seen).toBeLessThanOrEqual(1000);
	});
});

describe('XmlScanner', () => {
	it('counts elements and depth of ordinary XML, comments, CDATA and processing instructions included', () => {
		expect(
			scanXml('<?xml version="1.0"?><!-- <x><x> --><a b="1>2"><b/><c><![CDATA[<d><d>]]></c></a>', XML, 't')
		).toEqual({ elements: 3, depth: 2 });
	});

	it('refuses depth, element count, attribute count and DTDs, in any chunking', () => {
		expect(refusal(() => scanXml('<a>'.repeat(11), XML, 't')).message).toMatch(/niveaux d’imbrication/);
		expect(refusal(() => scanXml('<r>' + '<a/>'.repeat(100) + '</r>', XML, 't')).message).toMatch(/éléments/);
		expect(refusal(() => scanXml('<a x="1" y="2" z="3" u="4" v="5" w="6"/>', XML, 't')).message).toMatch(/attributs/);
		const s = new XmlScanner(XML, 't');
		const text = strToU8('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "b">]><r/>');
		expect(
			refusal(() => {
				for (const b of text) s.push(new Uint8Array([b]));
			}).message
		).toMatch(/DTD/);
	});

	it('counts a watched tag (Word paragraphs)', () => {
		const limits = { ...XML, maxElements: 1000, tag: { name: 'w:p', max: 3, what: 'paragraphes' } };
		expect(scanXml('<w:body><w:p/><w:pPr/><w:p x="1"></w:p><w:p>t</w:p></w:body>', limits, 't').elements).toBe(5);
		expect(refusal(() => scanXml('<w:body>' + '<w:p/>'.repeat(4) + '</w:body>', limits, 't')).message).toMatch(
			/plus de 3 paragraphes/
		);
	});
});

describe('image headers', () => {
	it('reads PNG sizes and refuses gigapixel announcements (413) and unreadable headers (422)', () => {
		expect(imageSize(H.pngHuge(640, 480))).toEqual({ width: 640, height: 480 });
		expect(() => checkImage(H.pngSmall())).not.toThrow();
		expect(refusal(() => checkImage(H.pngHuge(100_000, 100_000))).status).toBe(413);
		expect(refusal(() => checkImage(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0]))).status).toBe(422);
	});
});
