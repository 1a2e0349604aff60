// The presence seen by the document view's text editors (Tiptap's collaboration carets): the same as the
// provider's, except that a change of the server's own entry alone (its « saved » signal, sent after every stored
// edit) is not announced. The carets only read people's entries; without this filter each mounted editor would
// redraw its carets after every edit anyone makes.
import { Observable } from 'lib0/observable';
import type { Awareness } from 'y-protocols/awareness';
import { SERVER_PRESENCE_CLIENT_ID } from './presence';

interface Changes {
	added: number[];
	updated: number[];
	removed: number[];
}

export class PeerAwareness extends Observable<string> {
	private readonly onChange: (changes: Changes, origin: unknown) => void;
	private readonly onUpdate: (changes: Changes, origin: unknown) => void;

	constructor(private readonly inner: Awareness) {
		super();
		const people = (c: Changes) =>
			[...c.added, ...c.updated, ...c.removed].some((id) => id !== SERVER_PRESENCE_CLIENT_ID);
		this.onChange = (changes, origin) => {
			if (people(changes)) this.emit('change', [changes, origin]);
		};
		this.onUpdate = (changes, origin) => {
			if (people(changes)) this.emit('update', [changes, origin]);
		};
		inner.on('change', this.onChange);
		inner.on('update', this.onUpdate);
	}
	get clientID() {
		return this.inner.clientID;
	}
	get doc() {
		return this.inner.doc;
	}
	get states() {
		return this.inner.states;
	}
	get meta() {
		return this.inner.meta;
	}
	getStates() {
		return this.inner.getStates();
	}
	getLocalState() {
		return this.inner.getLocalState();
	}
	setLocalState(state: Record<string, unknown> | null) {
		this.inner.setLocalState(state);
	}
	setLocalStateField(field: string, value: unknown) {
		this.inner.setLocalStateField(field, value);
	}
	override destroy() {
		this.inner.off('change', this.onChange);
		this.inner.off('update', this.onUpdate);
		super.destroy();
	}
	/** As the provider's awareness, for the editors that take one. */
	asAwareness(): Awareness {
		return this as unknown as Awareness;
	}
}
