// Starts a throwaway PostgreSQL 15 cluster in a temporary folder from the installed binaries, for tests and
// benchmarks. As root, initdb/postgres refuse to run, so they run as the `postgres` system user.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CANDIDATE_BIN_DIRS = ['/usr/lib/postgresql/15/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/17/bin'];

export function findPgBin() {
	if (process.env.PG_BIN && existsSync(join(process.env.PG_BIN, 'initdb'))) return process.env.PG_BIN;
	for (const d of CANDIDATE_BIN_DIRS) if (existsSync(join(d, 'initdb'))) return d;
	return null;
}

function freePort() {
	/** @type {Promise<number>} */
	const p = new Promise((res, rej) => {
		const srv = createServer();
		srv.listen(0, '127.0.0.1', () => {
			const { port } = /** @type {import('node:net').AddressInfo} */ (srv.address());
			srv.close(() => res(port));
		});
		srv.on('error', rej);
	});
	return p;
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** @param {string} cmd @param {string[]} args @returns {[string, string[]]} */
function asPostgresArgs(cmd, args) {
	return isRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
}

/** @param {string} cmd @param {string[]} args */
function run(cmd, args) {
	const [c, a] = asPostgresArgs(cmd, args);
	execFileSync(c, a, { stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * @returns {Promise<{ url: string, port: number, dir: string, data: string, bin: string, child: import('node:child_process').ChildProcess, stop: () => Promise<void>, restart: (opts?: { mode?: 'fast' | 'immediate', downMs?: number, whileDown?: () => Promise<void> }) => Promise<void> }>}
 */
export async function startTempPostgres({ fsync = false } = {}) {
	const bin = findPgBin();
	if (!bin) {
		throw new Error(
			'PostgreSQL binaries not found (looked in ' +
				CANDIDATE_BIN_DIRS.join(', ') +
				'). Install them with `apt-get install -y postgresql`, set PG_BIN, or set TEST_DATABASE_URL.'
		);
	}
	const dir = mkdtempSync(join(tmpdir(), 'spaser-pg-'));
	chmodSync(dir, 0o777);
	if (isRoot) execFileSync('chown', ['postgres', dir]);
	const data = join(dir, 'data');
	run(join(bin, 'initdb'), [
		'-D',
		data,
		'-A',
		'trust',
		'-U',
		'postgres',
		'-E',
		'UTF8',
		'--locale=C.UTF-8',
		'--no-sync'
	]);
	const port = await freePort();
	const launch = async () => {
		const [c, a] = asPostgresArgs(join(bin, 'postgres'), [
			'-D',
			data,
			'-p',
			String(port),
			'-k',
			dir,
			'-c',
			'listen_addresses=127.0.0.1',
			'-c',
			`fsync=${fsync ? 'on' : 'off'}`,
			'-c',
			'max_connections=300',
			'-c',
			'shared_buffers=128MB'
		]);
		const proc = spawn(c, a, { stdio: ['ignore', 'ignore', 'pipe'], detached: false });
		let stderr = '';
		proc.stderr.on('data', (d) => (stderr += d));
		// wait until it accepts connections
		const deadline = Date.now() + 30_000;
		for (;;) {
			try {
				run(join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-q']);
				break;
			} catch {
				if (proc.exitCode !== null || Date.now() > deadline) {
					throw new Error('PostgreSQL did not start: ' + stderr.slice(-2000));
				}
				await new Promise((r) => setTimeout(r, 150));
			}
		}
		return proc;
	};
	let child = await launch();
	const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
	let stopped = false;
	const stop = async () => {
		if (stopped) return;
		stopped = true;
		try {
			run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']);
		} catch {
			child.kill('SIGKILL');
		}
		rmSync(dir, { recursive: true, force: true });
	};
	/**
	 * Stops the server ('immediate': like a crash, recovery from the WAL at the next start), waits `downMs`, and
	 * starts it again on the same port and data.
	 * @param {{ mode?: 'fast' | 'immediate', downMs?: number, whileDown?: () => Promise<void> }} [opts]
	 */
	const restart = async ({ mode = 'immediate', downMs = 0, whileDown } = {}) => {
		run(join(bin, 'pg_ctl'), ['-D', data, '-m', mode, '-w', 'stop']);
		if (whileDown) await whileDown();
		if (downMs) await new Promise((r) => setTimeout(r, downMs));
		child = await launch();
	};
	return {
		url,
		port,
		dir,
		data,
		bin,
		get child() {
			return child;
		},
		stop,
		restart
	};
}

/** Creates a fresh database in the cluster at `adminUrl` and returns its URL. */
/** @param {string} adminUrl @param {string} name */
export async function createDatabase(adminUrl, name) {
	const { default: postgres } = await import('postgres');
	const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
	try {
		await sql.unsafe(`create database "${name}"`);
	} finally {
		await sql.end();
	}
	const u = new URL(adminUrl);
	u.pathname = '/' + name;
	return u.toString();
}
