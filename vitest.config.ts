import { defineConfig } from 'vitest/config';

// Two projects (see ../shared/STYLE.md, "Test conventions"):
//  unit         src/**/*.test.ts: pure logic, no root, runc or network; runs concurrently.
//  integration  test/**/*.test.ts: the built CLI against real runc, conmon, CNI and a registry.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts'],
          environment: 'node',
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          globalSetup: ['test/setup/global.ts'],
          pool: 'forks',
          // One file at a time: the files drive real runc, conmon, CNI and registries and each would slow the others
          // into their timeouts on a 2-core CI machine.
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
