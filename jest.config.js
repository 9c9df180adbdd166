/** Jest runs the TypeScript sources directly (ts-jest); tests/*.test.ts only. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {'^.+\\.ts$': ['ts-jest', {tsconfig: 'tsconfig.json', diagnostics: {warnOnly: false}}]},
  // sources import './x.js' (for the ESM build); map them back to the .ts files
  moduleNameMapper: {'^(\\.{1,2}/.*)\\.js$': '$1'},
  testTimeout: 120000,
};
