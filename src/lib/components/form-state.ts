/**
 * Helpers for pages with several forms: every form carries a hidden `intent` field, echoed back on failure
 * (in `values`) and returned on success, so that each message lands next to the form it belongs to.
 */
export interface FormState {
	intent?: string;
	/** Id of the row a row-level action acted on (success). */
	target?: string;
	values?: Record<string, unknown>;
	errors?: Record<string, string>;
	message?: string;
	success?: string;
}

/** The action result if it belongs to the form named `intent` (or any result when `intent` is omitted). */
export function formFor(form: unknown, intent?: string): FormState | null {
	if (!form || typeof form !== 'object') return null;
	const f = form as FormState;
	if (intent === undefined) return f;
	return f.intent === intent || f.values?.intent === intent ? f : null;
}

/** The action result if it belongs to the form `intent` of the row whose `field` is `id`. */
export function formForRow(form: unknown, intent: string, field: string, id: string): FormState | null {
	const f = formFor(form, intent);
	if (!f) return null;
	return f.target === id || f.values?.[field] === id ? f : null;
}

/** A form value echoed back, as a string for an input. */
export function text(v: unknown): string {
	return typeof v === 'string' ? v : v == null ? '' : String(v);
}

/** The value to show in an input: what the person typed if this form just failed, else the stored value. */
export function fieldValue(f: FormState | null, key: string, stored: unknown): string {
	if (f?.values && !f.success) return text(f.values[key]);
	return text(stored);
}
