// DECP (données essentielles de la commande publique) reader: JSON 2024 `{"marches":{"marche":[…]}}`, JSON 2019
// `{"marches":[…]}` and XML 2024 `<marches><marche>…</marche></marches>`. Each record is checked against the rules
// of the official schemas (2.0.3 and 1.5); a valid record becomes one row per notification state (0 = initial,
// then one per modification), an invalid one is listed with a French reason. Real-world defects are tolerated:
// empty lists (unknown), missing optional fields, dates with a time-zone suffix, NaN in JSON, absurd amounts
// (kept, flagged, never summed). Nothing here throws on bad input.
import { findBadString, hasBadChars } from '../input-guard';
import { isObj, parseXml } from './xml';

export type DecpFormat = 'json_2024' | 'json_2019' | 'xml_2024';

export const SOCIAL_KINDS = ['Clause sociale', 'Critère social', 'Marché réservé'] as const;
export const SOCIAL_NONE = 'Pas de considération sociale';
export const ENV_KINDS = ['Clause environnementale', 'Critère environnemental'] as const;
export const ENV_NONE = 'Pas de considération environnementale';

export const NATURES = [
	'Marché',
	'Marché de partenariat',
	'Marché de défense ou de sécurité',
	'Accord-cadre',
	'Marché subséquent'
] as const;
export const PROCEDURES = [
	'Procédure adaptée',
	"Appel d'offres ouvert",
	"Appel d'offres restreint",
	'Procédure avec négociation',
	'Marché passé sans publicité ni mise en concurrence préalable',
	'Dialogue compétitif'
] as const;
/** Labels of schemas ≤ 1.5 mapped to the 2024 ones. */
const PROCEDURE_ALIASES: Record<string, string> = {
	'Procédure concurrentielle avec négociation': 'Procédure avec négociation',
	'Procédure négociée avec mise en concurrence préalable': 'Procédure avec négociation',
	'Marché négocié sans publicité ni mise en concurrence préalable':
		'Marché passé sans publicité ni mise en concurrence préalable'
};

/** decp-qualite's bounds: amounts outside [200 €; 999 999 999 €] are aberrant. */
export const AMOUNT_MIN = 200;
export const AMOUNT_MAX = 999_999_999;

export interface DecpHolder {
	type: string;
	id: string;
	category: string | null;
}

export interface DecpRow {
	buyerSiret: string;
	contractId: string;
	modificationId: number;
	object: string;
	nature: string;
	procedure: string;
	cpv: string;
	notifiedOn: string; // YYYY-MM-DD
	year: number;
	amount: number | null;
	amountFlagged: boolean;
	durationMonths: number | null;
	offers: number | null;
	innovative: boolean | null;
	/** null: unknown (2019 format, empty list); [] : « pas de considération ». */
	social: string[] | null;
	environmental: string[] | null;
	holderCategory: string | null;
	holders: DecpHolder[];
}

export interface DecpRejection {
	index: number;
	id: string | null;
	reason: string;
}

export interface DecpParseResult {
	format: DecpFormat | null;
	/** A file-level problem (unreadable file, unknown structure): nothing was read. */
	error: string | null;
	total: number;
	rows: DecpRow[];
	/** Records kept (each gives one row per state). */
	accepted: number;
	rejections: DecpRejection[];
	/** Records kept whose amount is aberrant (not summed). */
	flagged: number;
	warnings: number;
}

/** A list in any of the shapes real flows use: [{key: v}], [v], {key: [v]}, {key: v}, v. */
function listOf(x: unknown, key: string): unknown[] | null {
	if (x === null || x === undefined || x === '') return null;
	const unwrap = (v: unknown): unknown[] => {
		if (isObj(v) && key in v) {
			const inner = v[key];
			return Array.isArray(inner) ? inner : inner === null || inner === undefined || inner === '' ? [] : [inner];
		}
		return [v];
	};
	if (Array.isArray(x)) return x.flatMap(unwrap);
	return unwrap(x);
}

function str(x: unknown): string | null {
	if (typeof x === 'string') return x.trim();
	if (typeof x === 'number' && Number.isFinite(x)) return String(x);
	return null;
}

function num(x: unknown): number | null {
	if (typeof x === 'number') return Number.isFinite(x) ? x : null;
	if (typeof x === 'string' && x.trim() !== '') {
		const n = Number(x.trim().replace(/\s/g, '').replace(',', '.'));
		return Number.isFinite(n) ? n : null;
	}
	return null;
}

function bool(x: unknown): boolean | null {
	if (typeof x === 'boolean') return x;
	if (x === 'true' || x === '1' || x === 1) return true;
	if (x === 'false' || x === '0' || x === 0) return false;
	return null;
}

/** '2024-03-05', '2018-12-31+01:00', '2024-03-05T00:00:00Z' → '2024-03-05' (a real calendar date), else null. */
export function decpDate(x: unknown): string | null {
	const s = str(x);
	if (!s) return null;
	const m = /^(\d{4})-(\d{2})-(\d{2})(?:T[\d:.]+)?(?:Z|[+-]\d{2}:?\d{2})?$/.exec(s);
	if (!m) return null;
	const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
	const date = new Date(Date.UTC(y, mo - 1, d));
	if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
	if (y < 1990 || y > 2100) return null;
	return `${m[1]}-${m[2]}-${m[3]}`;
}

function considerations(
	x: unknown,
	key: string,
	allowed: readonly string[],
	none: string,
	field: string
): { value: string[] | null; error: string | null } {
	const list = listOf(x, key);
	if (list === null || list.length === 0) return { value: null, error: null };
	const out: string[] = [];
	for (const item of list) {
		const s = str(item);
		if (!s) continue;
		if (s === none || s === 'Pas de considération' || (field === 'sociale' && s === 'Concession réservée')) {
			if (s !== none) out.push('Marché réservé');
			continue;
		}
		if (!allowed.includes(s))
			return { value: null, error: `considération ${field} inconnue : «\u00a0${s.slice(0, 60)}\u00a0»` };
		if (!out.includes(s)) out.push(s);
	}
	return { value: out, error: null };
}

function holdersOf(x: unknown): DecpHolder[] {
	const list = listOf(x, 'titulaire') ?? [];
	const out: DecpHolder[] = [];
	for (const h of list) {
		if (!isObj(h)) continue;
		const id = str(h.id);
		if (!id) continue;
		const rawCat = str(h.categorieEntreprise ?? h.categorie ?? h.categorieEtablissement);
		const cat = rawCat ? rawCat.toUpperCase() : null;
		const category =
			cat === null
				? null
				: ['PME', 'TPE', 'MICRO', 'TPE/PME'].includes(cat)
					? 'PME'
					: ['ETI', 'GE'].includes(cat)
						? cat
						: null;
		out.push({ type: str(h.typeIdentifiant) ?? '', id: id.slice(0, 40), category });
	}
	return out;
}

/** The holders' category for the SME indicator: PME when every holder is an SME, the larger one otherwise. */
function holderCategory(holders: DecpHolder[]): string | null {
	if (!holders.length || holders.some((h) => h.category === null)) return null;
	if (holders.some((h) => h.category === 'GE')) return 'GE';
	if (holders.some((h) => h.category === 'ETI')) return 'ETI';
	return 'PME';
}

const ID_RE = /^[^&"\\<]{1,64}$/;

/** Checks one `marche` record; returns its rows or a French reason. */
export function readRecord(
	rec: unknown,
	format: DecpFormat
): { rows: DecpRow[]; warnings: number } | { reason: string } {
	if (!isObj(rec)) return { reason: "l'enregistrement n'est pas un objet" };
	const id = str(rec.id);
	if (!id) return { reason: 'identifiant du marché (id) absent' };
	if (!ID_RE.test(id)) return { reason: `identifiant du marché invalide : «\u00a0${id.slice(0, 40)}\u00a0»` };
	const buyer = isObj(rec.acheteur) ? str(rec.acheteur.id) : null;
	if (!buyer) return { reason: "SIRET de l'acheteur (acheteur.id) absent" };
	if (!/^[0-9]{14}$/.test(buyer))
		return { reason: `SIRET de l'acheteur invalide : «\u00a0${buyer.slice(0, 20)}\u00a0» (14 chiffres attendus)` };
	const nature = str(rec.nature) ?? '';
	if (!(NATURES as readonly string[]).includes(nature))
		return { reason: nature ? `nature inconnue : «\u00a0${nature.slice(0, 60)}\u00a0»` : 'nature du marché absente' };
	const rawProc = str(rec.procedure) ?? '';
	const procedure = PROCEDURE_ALIASES[rawProc] ?? rawProc;
	// A missing procedure is a frequent defect of real flows: kept as unknown; an unknown label is rejected.
	if (rawProc && !(PROCEDURES as readonly string[]).includes(procedure))
		return { reason: `procédure inconnue : «\u00a0${rawProc.slice(0, 80)}\u00a0»` };
	const notifiedOn = decpDate(rec.dateNotification);
	if (!notifiedOn)
		return {
			reason: rec.dateNotification
				? `date de notification invalide : «\u00a0${String(rec.dateNotification).slice(0, 30)}\u00a0»`
				: 'date de notification absente'
		};
	const amount = num(rec.montant);
	if (amount === null)
		return { reason: rec.montant === undefined || rec.montant === null ? 'montant absent' : 'montant non numérique' };
	if (amount < 0) return { reason: 'montant négatif' };
	const cpv = str(rec.codeCPV) ?? '';
	if (cpv && !/^[0-9]{8}(-[0-9])?$/.test(cpv))
		return { reason: `code CPV invalide : «\u00a0${cpv.slice(0, 20)}\u00a0»` };
	let warnings = rawProc ? 0 : 1;
	let social: string[] | null = null;
	let environmental: string[] | null = null;
	if (format !== 'json_2019' || 'considerationsSociales' in rec) {
		const s = considerations(rec.considerationsSociales, 'considerationSociale', SOCIAL_KINDS, SOCIAL_NONE, 'sociale');
		if (s.error) return { reason: s.error };
		const e = considerations(
			rec.considerationsEnvironnementales,
			'considerationEnvironnementale',
			ENV_KINDS,
			ENV_NONE,
			'environnementale'
		);
		if (e.error) return { reason: e.error };
		social = s.value;
		environmental = e.value;
		if (social === null || environmental === null) warnings++;
	}
	const offersRaw = num(rec.offresRecues);
	const offers =
		offersRaw !== null && Number.isInteger(offersRaw) && offersRaw >= 1 && offersRaw < 10000 ? offersRaw : null;
	if (rec.offresRecues !== undefined && offers === null) warnings++;
	const durationRaw = num(rec.dureeMois);
	const durationMonths =
		durationRaw !== null && Number.isInteger(durationRaw) && durationRaw >= 1 && durationRaw < 10000
			? durationRaw
			: null;
	const holders = holdersOf(rec.titulaires);
	const flag = (a: number | null) => a !== null && (a < AMOUNT_MIN || a > AMOUNT_MAX);
	const base: DecpRow = {
		buyerSiret: buyer,
		contractId: id,
		modificationId: 0,
		object: (str(rec.objet) ?? '').slice(0, 1000),
		nature,
		procedure,
		cpv,
		notifiedOn,
		year: Number(notifiedOn.slice(0, 4)),
		amount,
		amountFlagged: flag(amount),
		durationMonths,
		offers,
		innovative: bool(rec.marcheInnovant),
		social,
		environmental,
		holderCategory: holderCategory(holders),
		holders
	};
	const rows = [base];
	const mods = listOf(rec.modifications, 'modification') ?? [];
	let prev = base;
	let position = 0;
	const seen = new Set<number>([0]);
	for (const m of mods) {
		position++;
		if (!isObj(m)) {
			warnings++;
			continue;
		}
		const mid = num(m.id);
		const modificationId = mid !== null && Number.isInteger(mid) && mid >= 1 ? mid : position;
		if (seen.has(modificationId)) {
			warnings++;
			continue;
		}
		seen.add(modificationId);
		const mAmount = num(m.montant);
		const mDuration = num(m.dureeMois);
		const mHolders = m.titulaires !== undefined ? holdersOf(m.titulaires) : null;
		const row: DecpRow = {
			...prev,
			modificationId,
			amount: mAmount !== null && mAmount >= 0 ? mAmount : prev.amount,
			durationMonths:
				mDuration !== null && Number.isInteger(mDuration) && mDuration >= 1 ? mDuration : prev.durationMonths,
			holders: mHolders && mHolders.length ? mHolders : prev.holders,
			holderCategory: mHolders && mHolders.length ? holderCategory(mHolders) : prev.holderCategory
		};
		row.amountFlagged = flag(row.amount);
		rows.push(row);
		prev = row;
	}
	return { rows, warnings };
}

function parseJson(text: string): unknown | { error: string } {
	try {
		return JSON.parse(text);
	} catch {
		// NaN / Infinity written by some exporters: read them as missing values.
		try {
			return JSON.parse(text.replace(/:\s*-?(NaN|Infinity)\b/g, ': null'));
		} catch (e) {
			return { error: `Le fichier JSON est mal formé : ${(e as Error).message.slice(0, 200)}` };
		}
	}
}

export interface ReadOptions {
	/** Keep only records of these buyers (SIRET, or a 9-digit SIREN prefix); others are rejected. */
	buyers?: string[];
}

/** Reads a whole DECP file (bytes or text). Never throws. */
export function readDecp(input: string | Uint8Array, opts: ReadOptions = {}): DecpParseResult {
	const result: DecpParseResult = {
		format: null,
		error: null,
		total: 0,
		rows: [],
		accepted: 0,
		rejections: [],
		flagged: 0,
		warnings: 0
	};
	let text: string;
	try {
		text = typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: false }).decode(input);
	} catch {
		result.error = 'Le fichier ne peut pas être lu comme du texte.';
		return result;
	}
	text = text.replace(/^\uFEFF/, '');
	const badText =
		'Le fichier contient des caractères non valables (caractère nul ou encodage incorrect) : exportez-le de nouveau.';
	if (hasBadChars(text)) {
		result.error = badText;
		return result;
	}
	const head = text.trimStart().slice(0, 1);
	let records: unknown[];
	let concessions = 0;
	if (head === '<') {
		const x = parseXml(text);
		if ('error' in x) {
			result.error = x.error;
			return result;
		}
		if (findBadString(x.records)) {
			result.error = badText;
			return result;
		}
		result.format = 'xml_2024';
		records = x.records;
		concessions = x.concessions;
	} else if (head === '{' || head === '[') {
		const j = parseJson(text);
		if (isObj(j) && 'error' in j && typeof j.error === 'string' && Object.keys(j).length === 1) {
			result.error = j.error;
			return result;
		}
		if (findBadString(j)) {
			result.error = badText;
			return result;
		}
		const root = isObj(j) ? j.marches : undefined;
		if (Array.isArray(root)) {
			result.format = 'json_2019';
			records = root;
		} else if (isObj(root)) {
			result.format = 'json_2024';
			records = Array.isArray(root.marche) ? root.marche : isObj(root.marche) ? [root.marche] : [];
			concessions = Array.isArray(root['contrat-concession']) ? root['contrat-concession'].length : 0;
		} else {
			result.error = 'Structure inconnue : un fichier DECP commence par {"marches": …}.';
			return result;
		}
	} else {
		result.error = "Ce fichier n'est ni du JSON ni du XML : déposez un fichier DECP (format 2019 ou 2024).";
		return result;
	}
	const buyers = (opts.buyers ?? []).filter(Boolean);
	const seen = new Set<string>();
	result.total = records.length + concessions;
	records.forEach((rec, index) => {
		const read = readRecord(rec, result.format!);
		const rid = isObj(rec) ? str(rec.id) : null;
		if ('reason' in read) {
			result.rejections.push({ index, id: rid, reason: read.reason });
			return;
		}
		const first = read.rows[0];
		if (
			buyers.length &&
			!buyers.some((b) => (b.length === 14 ? first.buyerSiret === b : first.buyerSiret.startsWith(b)))
		) {
			result.rejections.push({
				index,
				id: rid,
				reason: `acheteur ${first.buyerSiret} : ce n'est pas un SIRET de votre collectivité`
			});
			return;
		}
		const key = `${first.buyerSiret}|${first.contractId}`;
		if (seen.has(key)) {
			result.rejections.push({ index, id: rid, reason: 'doublon : ce marché figure déjà plus haut dans le fichier' });
			return;
		}
		seen.add(key);
		result.accepted++;
		result.warnings += read.warnings;
		if (read.rows[read.rows.length - 1].amountFlagged) result.flagged++;
		result.rows.push(...read.rows);
	});
	for (let i = 0; i < concessions; i++)
		result.rejections.push({
			index: records.length + i,
			id: null,
			reason: 'contrat de concession : hors du périmètre des indicateurs de marchés'
		});
	return result;
}
