// Fractional ordering keys: strings that sort lexicographically, with a key between any two keys, so that
// concurrent inserts and moves in a Yjs map never need to renumber siblings.
const DIGITS = '0123456789abcdefghijklmnopqrstuvwxyz';
const BASE = DIGITS.length;

function digit(s: string, i: number): number {
	return i < s.length ? DIGITS.indexOf(s[i]) : 0;
}

/** A key strictly between `a` and `b` (null = open end). Keys never end with '0'. */
export function keyBetween(a: string | null, b: string | null): string {
	if (a !== null && b !== null && a >= b) throw new Error(`keyBetween: ${a} >= ${b}`);
	let out = '';
	for (let i = 0; ; i++) {
		const da = a === null ? 0 : digit(a, i);
		const db = b === null ? BASE : i < b.length ? digit(b, i) : BASE;
		if (db - da > 1) {
			out += DIGITS[Math.floor((da + db) / 2)];
			return out;
		}
		out += DIGITS[da];
		// once we are strictly below b's prefix, b no longer bounds the next digits
		if (db > da) b = null;
	}
}

/** Appends a short random suffix so that two users inserting at the same place get distinct keys. */
export function jitter(key: string): string {
	let s = '';
	for (let i = 0; i < 3; i++) s += DIGITS[1 + Math.floor(Math.random() * (BASE - 1))];
	return key + s;
}
