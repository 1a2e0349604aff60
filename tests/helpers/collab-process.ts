// Collaboration servers in child processes (tests/helpers/collab-child.ts run as a script), for tests that kill
// them with SIGKILL, and a TCP proxy standing for a load balancer in front of several of them.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface Child {
	proc: ChildProcess;
	port: number;
}

export function startChild(env: Record<string, string>): Promise<Child> {
	return new Promise((resolve, reject) => {
		const proc = spawn(process.execPath, ['--import', 'tsx', 'tests/helpers/collab-child.ts'], {
			env: { ...process.env, LOG_LEVEL: 'silent', ...env },
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let out = '';
		let err = '';
		const timer = setTimeout(() => reject(new Error('child did not start: ' + err.slice(-2000))), 60_000);
		proc.stdout!.on('data', (d: Buffer) => {
			out += d.toString();
			const m = /LISTENING (\d+)/.exec(out);
			if (m) {
				clearTimeout(timer);
				resolve({ proc, port: Number(m[1]) });
			}
		});
		proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
		proc.on('exit', (code) => {
			clearTimeout(timer);
			if (!/LISTENING/.test(out)) reject(new Error(`child exited (${code}): ${err.slice(-2000)}`));
		});
	});
}

export function sigkill(child: Child): Promise<void> {
	return new Promise((resolve) => {
		if (child.proc.exitCode !== null || child.proc.signalCode !== null) return resolve();
		child.proc.once('exit', () => resolve());
		child.proc.kill('SIGKILL');
	});
}

export interface Proxy {
	port: number;
	/** Where new connections go from now on. */
	target: number;
	close(): Promise<void>;
}

/** A TCP proxy on 127.0.0.1 that sends each new connection to `target` (changeable), like a load balancer. */
export async function startProxy(target: number): Promise<Proxy> {
	const sockets = new Set<Socket>();
	const state = { target };
	const server: Server = createServer((client) => {
		const upstream = connect(state.target, '127.0.0.1');
		sockets.add(client).add(upstream);
		const end = () => {
			client.destroy();
			upstream.destroy();
			sockets.delete(client);
			sockets.delete(upstream);
		};
		client.on('error', end).on('close', end);
		upstream.on('error', end).on('close', end);
		client.pipe(upstream).pipe(client);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		port: (server.address() as AddressInfo).port,
		get target() {
			return state.target;
		},
		set target(p: number) {
			state.target = p;
		},
		close: () =>
			new Promise<void>((resolve) => {
				for (const s of sockets) s.destroy();
				server.close(() => resolve());
			})
	};
}
