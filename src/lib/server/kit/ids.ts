// The one UUID check of the code (routes use the `[x=uuid]` matcher of src/params/uuid.ts; schemas use zod's uuid()).
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
	return typeof value === 'string' && UUID.test(value);
}
