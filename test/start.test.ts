/**
 * npm start, the package's main job, as a user runs it (scripts/start.ts through tsx, against the
 * sources npm test has just built): one short epoch per loss on real MNIST digits.
 */
import {execFileSync} from 'child_process';
import * as path from 'path';

const root = path.join(__dirname, '..');
const start = (...args: string[]) => execFileSync(process.execPath,
    [require.resolve('tsx/cli'), 'scripts/start.ts', ...args], {cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});

test('--help says what the flags are', () => {
  const out = start('--help');
  for (const flag of ['--backend', '--epochs', '--batch-size']) expect(out).toContain(flag);
});

test('an unknown flag stops with the help', () => {
  expect(() => start('--epoch', '2')).toThrow(/unknown option --epoch/);
});

test('one epoch trains both models to a useful test accuracy, reported side by side', () => {
  const out = start('--epochs', '1', '--batch-size', '64');
  expect(out).toMatch(/; 1 epoch of batches of 64;/);
  const rows = out.split('\n').filter((l) => /^\| (fused|tfjs-layers)/.test(l));
  expect(rows).toHaveLength(2);
  for (const row of rows) {
    const accuracy = Number(/\| ([\d.]+)% \|/.exec(row)?.[1]);
    expect(accuracy).toBeGreaterThan(85);  // one epoch of a perceptron on 8 000 digits reaches ~90%
  }
}, 120_000);
