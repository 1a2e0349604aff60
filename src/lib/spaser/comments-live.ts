// The page's side of live comments (issue 15): an EventSource on /spaser/<id>/commentaires/flux says, without any
// content, that the discussions changed; the page then fetches them (GET /spaser/<id>/commentaires, read under
// the person's rights). On each (re)connection they are fetched too: what happened while the stream was down is
// not missed. Returns the function that stops following.
export function followLiveComments<T>(documentId: string, onThreads: (threads: T[]) => void): () => void {
	let timer: ReturnType<typeof setTimeout> | null = null;
	let latest = 0;
	let stopped = false;
	const refetch = () => {
		if (timer || stopped) return;
		timer = setTimeout(async () => {
			timer = null;
			const n = ++latest;
			try {
				const res = await fetch(`/spaser/${documentId}/commentaires`, {
					headers: { accept: 'application/json' },
					cache: 'no-store'
				});
				if (!res.ok) return;
				const body = (await res.json()) as { threads: T[] };
				// answers may cross: only the last request asked counts
				if (n === latest && !stopped) onThreads(body.threads);
			} catch {
				/* offline: the next (re)connection fetches again */
			}
		}, 30);
	};
	const source = new EventSource(`/spaser/${documentId}/commentaires/flux`);
	source.addEventListener('comments', refetch);
	source.addEventListener('open', refetch);
	return () => {
		stopped = true;
		if (timer) clearTimeout(timer);
		source.close();
	};
}
