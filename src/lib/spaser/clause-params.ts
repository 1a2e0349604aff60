// The parameters of a clause model: `{montant}`, `{durée}`, `{part_reemploi}` in its text, with default values
// in the resource's `parameters`. Inserting a clause into a SPASER asks for them and fills them in.
const PARAM_RE = /\{([\p{L}\p{N}_][\p{L}\p{N}_ '-]{0,59})\}/gu;

export interface ClauseParam {
	name: string;
	/** The resource's default value for it, as text ('' when it has none). */
	value: string;
}

/** The distinct parameters written in `text`, in order of appearance, with their defaults. */
export function clauseParams(text: string, defaults: Record<string, unknown> = {}): ClauseParam[] {
	const out: ClauseParam[] = [];
	for (const m of text.matchAll(PARAM_RE)) {
		const name = m[1].trim();
		if (out.some((p) => p.name === name)) continue;
		const d = defaults[name];
		out.push({ name, value: typeof d === 'number' ? String(d).replace('.', ',') : typeof d === 'string' ? d : '' });
	}
	return out;
}

/** `text` with every `{name}` replaced by its value; parameters without a value are left as written. */
export function fillParams(text: string, values: Record<string, string>): string {
	return text.replace(PARAM_RE, (raw, name: string) => {
		const v = values[name.trim()];
		return typeof v === 'string' && v.trim() ? v.trim() : raw;
	});
}

/** The parameters of `text` still without a value in `values`. */
export function missingParams(text: string, values: Record<string, string>): string[] {
	return clauseParams(text)
		.map((p) => p.name)
		.filter((n) => !(typeof values[n] === 'string' && values[n].trim()));
}
