import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';
import { collabVitePlugin } from './src/lib/server/collab/vite-plugin';

export default defineConfig({
	plugins: [sveltekit(), collabVitePlugin()],
	server: { fs: { allow: ['supabase'] } },
	test: {
		include: ['tests/unit/**/*.test.ts', 'tests/integration/**/*.test.ts'],
		globalSetup: ['tests/helpers/global-setup.ts'],
		testTimeout: 60_000,
		hookTimeout: 120_000,
		pool: 'forks',
		maxWorkers: 2,
		expect: { requireAssertions: true }
	}
});
