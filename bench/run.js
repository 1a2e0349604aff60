// `npm run bench -- <name> [args…]`: runs bench/<name>.js (or bench/<name>.ts through tsx), passes its output
// through, and checks the contract every bench follows: its LAST line on stdout is
//   RESULT key=value key=value …        (numbers only)
// so that a script (or a person) can compare runs. Exit code: the bench's, or 1 when the RESULT line is missing.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const RESULT_LINE = /^RESULT( [a-z][a-z0-9_]*=-?\d+(\.\d+)?)+$/;

function available() {
	return readdirSync(here)
		.filter((f) => /^[a-z0-9-]+\.(js|ts)$/.test(f) && f !== 'run.js')
		.map((f) => f.replace(/\.(js|ts)$/, ''));
}

const [name, ...args] = process.argv.slice(2);
if (!name || !/^[a-z0-9-]+$/.test(name)) {
	console.error(`Usage: npm run bench -- <name> [args…]\nAvailable: ${available().join(', ') || '(none)'}`);
	process.exit(2);
}
const js = join(here, `${name}.js`);
const ts = join(here, `${name}.ts`);
const file = existsSync(js) ? js : existsSync(ts) ? ts : null;
if (!file) {
	console.error(
		`No bench named "${name}" (looked for bench/${name}.js and bench/${name}.ts). Available: ${available().join(', ') || '(none)'}`
	);
	process.exit(2);
}

const nodeArgs = file.endsWith('.ts') ? ['--import', 'tsx', file, ...args] : [file, ...args];
const child = spawn(process.execPath, nodeArgs, { stdio: ['inherit', 'pipe', 'inherit'], env: process.env });

let tail = '';
child.stdout.on('data', (chunk) => {
	process.stdout.write(chunk);
	tail = (tail + chunk.toString('utf8')).slice(-4096);
});

// Forward Ctrl-C / SIGTERM so the bench can stop its servers in its finally blocks.
for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM'])) process.on(sig, () => child.kill(sig));

child.on('exit', (code, signal) => {
	const lines = tail
		.split('\n')
		.map((l) => l.trim())
		.filter(Boolean);
	const last = lines.at(-1) ?? '';
	if (code === 0 && !RESULT_LINE.test(last)) {
		console.error(
			`bench "${name}" ended without a valid "RESULT key=value …" last line (got: ${JSON.stringify(last.slice(0, 200))})`
		);
		process.exit(1);
	}
	process.exit(code ?? (signal ? 1 : 0));
});
