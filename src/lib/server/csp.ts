/**
 * The pages' connect-src allows the app's own origin only: 'self' (svelte.config.js) plus its own websocket origin
 * (the collaboration socket at /collab), which not every browser counts as 'self'. `url` is the request's URL as
 * SvelteKit sees it, i.e. on the app's public origin (ORIGIN behind a proxy).
 */
export function withOwnWebsocket(csp: string, url: URL): string {
	const ws = `${url.protocol === 'https:' ? 'wss:' : 'ws:'}//${url.host}`;
	return csp.replace(
		/(^|;\s*)connect-src([^;]*)/,
		(_, lead: string, sources: string) => `${lead}connect-src${sources} ${ws}`
	);
}
