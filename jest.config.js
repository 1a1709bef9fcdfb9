// One jest config for the whole monorepo. ESM throughout: jest runs with --experimental-vm-modules
// (see package.json "test"), TypeScript is stripped by SWC, sources import each other with `.ts` specifiers.
const swc = [
  '@swc/jest',
  {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2023', keepClassNames: true },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];

/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: {
    '^@faena/platform$': '<rootDir>/services/platform/src/index.ts',
    '^@faena/platform/testing$': '<rootDir>/services/platform/src/testing/index.ts',
    '^@faena/platform/money$': '<rootDir>/services/platform/src/money.ts',
    '^@faena/platform/telemetry/register$': '<rootDir>/services/platform/src/telemetry/register.ts',
  },
  testMatch: ['<rootDir>/{services,workflows,tests}/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  globalSetup: '<rootDir>/services/platform/src/testing/global-setup.ts',
  globalTeardown: '<rootDir>/tests/invariants/ledger-teardown.ts',
  testTimeout: 30000,
  // `make test` runs with --coverage: services with a coverage goal are measured and held to it.
  coverageProvider: 'v8',
  collectCoverageFrom: ['services/payments/src/**/*.ts'],
  coverageThreshold: { './services/payments/src/': { lines: 80 } },
  coverageReporters: ['text-summary', 'json-summary'],
  coverageDirectory: '<rootDir>/.cache/coverage',
  reporters: ['default', '<rootDir>/scripts/jest-summary-reporter.cjs'],
};
