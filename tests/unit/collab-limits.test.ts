// The pure parts of issue 14 items 2 and 3: the editor's « saved » reading (server entry only), the presence
// screening rules, the byte budget and the amortised compaction rule.
import { describe, expect, it } from 'vitest';
import { savedClockFromServer, SERVER_PRESENCE_CLIENT_ID } from '../../src/lib/spaser/presence';
import { presenceRefusal, stampIdentity } from '../../src/lib/server/collab/presence';
import { ByteBudget, compactionDue, messageSizeCap, UserBudgets } from '../../src/lib/server/collab/limits';
import { encodeAwareness, encodeUpdate } from '../../src/lib/server/collab/protocol';

describe('savedClockFromServer (what the editor shows as « enregistré »)', () => {
	const me = 123456;
	it('reads the server’s own entry only; a forged `saved` under any other clientID is ignored', () => {
		const states = new Map<number, unknown>([
			[987, { user: { name: 'Lecteur' }, saved: { [me]: 1e9 } }], // the viewer of the issue
			[me, { saved: { [me]: 1e9 } }],
			[SERVER_PRESENCE_CLIENT_ID, { saved: { [me]: 42 } }]
		]);
		expect(savedClockFromServer(states, me)).toBe(42);
		states.delete(SERVER_PRESENCE_CLIENT_ID);
		expect(savedClockFromServer(states, me)).toBe(0);
	});
	it('ignores malformed server states', () => {
		for (const st of [
			null,
			'x',
			{ saved: 'x' },
			{ saved: { [me]: 'x' } },
			{ saved: { [me]: -1 } },
			{ saved: { [me]: Infinity } }
		]) {
			expect(savedClockFromServer(new Map([[SERVER_PRESENCE_CLIENT_ID, st]]), me)).toBe(0);
		}
	});
});

describe('presence screening', () => {
	const claim = { holder: 'none' as const, owned: 0, maxOwned: 4 };
	it('refuses the server’s clientID, a clientID held by someone else, server-only fields, too many clientIDs', () => {
		expect(presenceRefusal({ clientId: SERVER_PRESENCE_CLIENT_ID, clock: 1, state: {} }, claim)).toBe('server-id');
		expect(presenceRefusal({ clientId: 5, clock: 1, state: { node: 'x' } }, { ...claim, holder: 'other' })).toBe(
			'taken'
		);
		expect(presenceRefusal({ clientId: 5, clock: 1, state: null }, { ...claim, holder: 'other' })).toBe('taken');
		expect(presenceRefusal({ clientId: 5, clock: 1, state: { saved: {} } }, claim)).toBe('server-field');
		expect(presenceRefusal({ clientId: 5, clock: 1, state: { node: 'x' } }, { ...claim, owned: 4 })).toBe('too-many');
		expect(
			presenceRefusal({ clientId: 5, clock: 1, state: { node: 'x' } }, { ...claim, owned: 4, holder: 'self' })
		).toBeNull();
		expect(presenceRefusal({ clientId: 5, clock: 1, state: { node: 'x', user: { name: 'a' } } }, claim)).toBeNull();
	});
	it('stamps the authenticated identity and the real right over what the client wrote', () => {
		const st = stampIdentity(
			{ node: 'n', user: { name: 'Faux', readOnly: false, role: 'admin' } },
			{ userId: 'u1', name: 'Vrai', color: '#000' },
			'read'
		);
		expect(st).toEqual({ node: 'n', user: { id: 'u1', name: 'Vrai', color: '#000', readOnly: true } });
	});
});

describe('byte budget', () => {
	it('lets a burst through, then asks to wait in proportion to the debt, and refills per minute', () => {
		let t = 0;
		const b = new ByteBudget(1000, 60_000, () => t); // 1 byte per ms
		expect(b.charge(600)).toBe(0);
		expect(b.charge(400)).toBe(0);
		expect(b.charge(500)).toBe(500); // 500 bytes of debt: 500 ms
		t += 200;
		expect(b.waitMs()).toBe(300);
		t += 300;
		expect(b.waitMs()).toBe(0);
		t += 10_000;
		expect(b.full()).toBe(true); // never above the burst
		expect(b.charge(1000)).toBe(0);
		expect(b.charge(1)).toBe(1);
	});
	it('caps messages by kind: an edit, a reconnection’s sync step 2; awareness is capped elsewhere', () => {
		const limits = { maxUpdateBytes: 10, maxSyncBytes: 20 };
		expect(messageSizeCap(encodeUpdate(new Uint8Array(3)), limits)).toBe(10);
		expect(messageSizeCap(Uint8Array.of(0, 1, 1, 0), limits)).toBe(20);
		expect(messageSizeCap(Uint8Array.of(0, 0, 0), limits)).toBeNull();
		expect(messageSizeCap(encodeAwareness(new Uint8Array(3)), limits)).toBeNull();
		expect(messageSizeCap(new Uint8Array(0), limits)).toBeNull();
	});
});

describe('compaction is paid for by the bytes received', () => {
	const limits = { compactAfterUpdates: 500, compactAfterBytes: 1_000_000, messageCostBytes: 256 };
	it('small document: the configured thresholds', () => {
		expect(compactionDue({ updatesSinceSnapshot: 499, bytesSinceSnapshot: 10_000, docBytes: 50_000 }, limits)).toBe(
			false
		);
		expect(compactionDue({ updatesSinceSnapshot: 500, bytesSinceSnapshot: 10_000, docBytes: 50_000 }, limits)).toBe(
			true
		);
		expect(compactionDue({ updatesSinceSnapshot: 2, bytesSinceSnapshot: 1_000_000, docBytes: 1_200_000 }, limits)).toBe(
			true
		);
	});
	it('large document: not before the log weighs a quarter of the snapshot', () => {
		// 500 small updates (≈ 140 KB of weight) against a 8 MB snapshot: not yet.
		expect(compactionDue({ updatesSinceSnapshot: 500, bytesSinceSnapshot: 12_000, docBytes: 8_012_000 }, limits)).toBe(
			false
		);
		expect(compactionDue({ updatesSinceSnapshot: 2, bytesSinceSnapshot: 1_000_000, docBytes: 9_000_000 }, limits)).toBe(
			false
		);
		expect(
			compactionDue({ updatesSinceSnapshot: 10, bytesSinceSnapshot: 2_000_000, docBytes: 10_000_000 }, limits)
		).toBe(true);
	});
});

describe('per-user budgets', () => {
	it('a connected user keeps one budget: a full bucket is forgotten only once they have no connection', () => {
		const budgets = new UserBudgets({ rateBurstBytes: 1000, rateBytesPerMinute: 60_000 });
		const first = budgets.get('u');
		budgets.sweep(new Set(['u']));
		expect(budgets.get('u')).toBe(first);
		budgets.sweep(new Set());
		expect(budgets.get('u')).not.toBe(first);
	});
});
