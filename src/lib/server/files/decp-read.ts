// Reading a DECP file after checking the shape of its XML (depth, element and attribute counts, no DTD): the
// worker's 'decp' task, and the request thread for small files (a worker costs more than they do).
import { readDecp, type DecpParseResult } from '../decp/parse';
import { scanXml, type XmlLimits } from './limits';

/** DECP XML: a flat list of contracts, a few levels deep, ~40 elements each (1 million: ~25 000 contracts). */
const DECP_XML_LIMITS: XmlLimits = { maxDepth: 64, maxElements: 1_000_000, maxAttributes: 64 };

/** Files up to this size are read in the request thread: parsing them takes a few milliseconds. */
export const IN_THREAD_DECP_BYTES = 256 * 1024;

/** Checks the XML shape (throws 422), then reads the file (readDecp never throws). */
export function readDecpChecked(bytes: Uint8Array, buyers: string[]): DecpParseResult {
	let i = 0;
	while (i < bytes.length && (bytes[i] === 0xef || bytes[i] === 0xbb || bytes[i] === 0xbf || bytes[i] <= 0x20)) i++;
	if (bytes[i] === 0x3c) scanXml(bytes, DECP_XML_LIMITS, 'XML');
	return readDecp(bytes, { buyers });
}
