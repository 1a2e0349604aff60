// DECP XML 2024 (`<marches><marche>…</marche></marches>`): parsed without any entity processing (a file declaring
// entities is refused), lists forced where the schema has them, predefined entities decoded once.
import { XMLParser } from 'fast-xml-parser';

export type Obj = Record<string, unknown>;
export const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

const XML_LISTS = new Set([
	'marche',
	'contrat-concession',
	'considerationSociale',
	'considerationEnvironnementale',
	'technique',
	'modaliteExecution',
	'typePrix',
	'titulaire',
	'modification',
	'acteSousTraitance',
	'concessionnaire'
]);

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * Decodes the five predefined XML entities and character references in one pass (so « &amp;lt; » gives « &lt; »).
 * Any other named entity stays as written: nothing is ever expanded from a DTD.
 */
export function decodeXmlText(s: string): string {
	if (!s.includes('&')) return s;
	return s.replace(
		/&(?:#x([0-9a-fA-F]{1,6})|#([0-9]{1,7})|(amp|lt|gt|quot|apos));/g,
		(whole, hex: string | undefined, dec: string | undefined, name: string | undefined) => {
			if (name) return PREDEFINED[name];
			const code = hex ? parseInt(hex, 16) : Number(dec);
			return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : whole;
		}
	);
}

function decodeTree(v: unknown): unknown {
	if (typeof v === 'string') return decodeXmlText(v);
	if (Array.isArray(v)) return v.map(decodeTree);
	if (isObj(v)) {
		for (const k of Object.keys(v)) v[k] = decodeTree(v[k]);
		return v;
	}
	return v;
}

export function parseXml(text: string): { records: unknown[]; concessions: number } | { error: string } {
	// DECP XML has no DTD. A file declaring entities is refused before parsing (entity-expansion « billion laughs »,
	// external entities), and the parser never processes entities: the predefined ones are decoded by decodeXmlText.
	if (/<!ENTITY/i.test(text))
		return {
			error:
				'Le fichier XML déclare des entités (<!ENTITY …>)\u00a0: ce n’est pas un fichier DECP, il est refusé par sécurité.'
		};
	try {
		const parser = new XMLParser({
			ignoreAttributes: true,
			parseTagValue: false,
			trimValues: true,
			processEntities: false,
			htmlEntities: false,
			isArray: (name) => XML_LISTS.has(name)
		});
		const doc = decodeTree(parser.parse(text, true)) as Obj;
		const root = doc.marches;
		if (!isObj(root)) return { error: "Le fichier XML ne contient pas d'élément <marches>." };
		const records = Array.isArray(root.marche) ? root.marche : [];
		const concessions = Array.isArray(root['contrat-concession']) ? root['contrat-concession'].length : 0;
		return { records, concessions };
	} catch (e) {
		return { error: `Le fichier XML est mal formé : ${(e as Error).message.split('\n')[0].slice(0, 200)}` };
	}
}
