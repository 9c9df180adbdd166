/**
 * npm start, the package's main job, as a user runs it (scripts/start.ts through tsx, against the
 * sources npm test has just built): one short epoch per loss on real MNIST digits.
 */
import {execFileSync} from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.join(__dirname, '..');
const start = (...args: string[]) => execFileSync(process.execPath,
    [require.resolve('tsx/cli'), 'scripts/start.ts', ...args], {cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});

test('--help says what the flags are', () => {
  const out = start('--help');
  for (const flag of ['--backend', '--epochs', '--batch-size', '--reliability']) expect(out).toContain(flag);
});

test('an unknown flag stops with the help', () => {
  expect(() => start('--epoch', '2')).toThrow(/unknown option --epoch/);
});

test('one epoch trains both models to a useful test accuracy, reported side by side; then calibration and its diagram', () => {
  const svg = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'start-')), 'reliability.svg');
  const out = start('--epochs', '1', '--batch-size', '64', '--reliability', svg);
  expect(out).toMatch(/; 1 epoch of batches of 64;/);
  const rows = out.split('\n').filter((l) => /^\| (fused|tfjs-layers)/.test(l));
  expect(rows).toHaveLength(2);
  for (const row of rows) {
    const accuracy = Number(/\| ([\d.]+)% \|/.exec(row)?.[1]);
    expect(accuracy).toBeGreaterThan(85);  // one epoch of a perceptron on 8 000 digits reaches ~90%
  }
  // held-out calibration: T fitted on half the test digits, judged on the other half, both rows reported
  expect(out).toMatch(/T fitted on 998 test digits \((\d+) loss evaluations\), judged on the other 998/);
  const evaluations = Number(/\((\d+) loss evaluations\)/.exec(out)?.[1]);
  expect(evaluations).toBeLessThanOrEqual(50);
  const before = /^\| T = 1 \| ([\d.]+)% \| ([\d.]+) \| ([\d.]+)% \| ([\d.]+)% \|$/m.exec(out);
  const after = /^\| fitted T = ([\d.]+) \| ([\d.]+)% \| ([\d.]+) \| ([\d.]+)% \| ([\d.]+)% \|$/m.exec(out);
  expect(before).not.toBeNull();
  expect(after).not.toBeNull();
  expect(Number(after?.[1])).toBeGreaterThan(0);
  expect(after?.[2]).toBe(before?.[1]);  // a temperature changes no prediction
  for (const ece of [before?.[3], after?.[4]]) expect(Number(ece)).toBeLessThanOrEqual(100);
  const drawn = fs.readFileSync(svg, 'utf8');
  expect(drawn).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  expect(drawn.match(/class="title"/g)).toHaveLength(2);
  expect(drawn).toContain(`After temperature scaling: T = ${after?.[1]}`);
}, 120_000);
