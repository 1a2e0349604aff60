import { defineConfig } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The e2e suite runs against the built app (node server.js), on a fresh embedded database with the demo data.
const port = Number(process.env.E2E_PORT || 4173);
const origin = `http://127.0.0.1:${port}`;
const runDir = process.env.E2E_RUN_DIR || mkdtempSync(join(tmpdir(), 'spaser-e2e-'));
// Set once in the main process, inherited by the workers (which evaluate this file again).
process.env.E2E_RUN_DIR = runDir;
const dataDir = process.env.E2E_DATA_DIR || join(runDir, 'data');
// Every server log line also goes to this file; security-logs.e2e.ts reads it back (no secret in the logs).
process.env.E2E_LOG_FILE ||= join(runDir, 'server.log');

export default defineConfig({
	testDir: 'tests/e2e',
	testMatch: '**/*.e2e.ts',
	timeout: 60_000,
	expect: { timeout: 10_000 },
	fullyParallel: false,
	workers: 1,
	retries: 0,
	reporter: process.env.CI ? [['list']] : [['list']],
	webServer: {
		command: 'npm run build && node scripts/start.js',
		url: `${origin}/healthz`,
		reuseExistingServer: false,
		timeout: 240_000,
		stdout: 'ignore',
		stderr: 'pipe',
		env: {
			PORT: String(port),
			HOST: '127.0.0.1',
			ORIGIN: origin,
			DATA_DIR: dataDir,
			DEMO_DATA: '1',
			LOG_FILE: process.env.E2E_LOG_FILE,
			// the production setting: mail bodies (one-time links) are not logged
			LOG_EMAIL_BODIES: '0',
			// e2e logs in many times from 127.0.0.1
			LOGIN_LIMIT_PER_IP: '1000',
			// …and creates accounts from 127.0.0.1 in several suites
			SIGNUP_LIMIT_PER_IP: '1000'
		}
	},
	use: {
		baseURL: origin,
		locale: 'fr-FR',
		timezoneId: 'Europe/Paris',
		trace: 'retain-on-failure',
		launchOptions: {
			executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
			args: [
				'--no-sandbox',
				'--disable-dev-shm-usage',
				'--disable-gpu',
				'--disable-background-networking',
				'--disable-quic',
				'--no-first-run',
				'--disable-component-update',
				'--disable-sync'
			]
		}
	},
	projects: [{ name: 'chromium', use: { browserName: 'chromium', headless: true } }]
});
