/** The README's JavaScript examples run as written, against the built package (npm test builds it). */
import {execFileSync} from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const root = path.join(__dirname, '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);

test('the README has JavaScript examples', () => {
  expect(blocks.length).toBeGreaterThanOrEqual(2);
});

test.each(blocks.map((code, i) => [i + 1, code]))('example %i runs', (_, code) => {
  const out = execFileSync(process.execPath, ['-e', code as string],
      {cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});
  expect(out).not.toMatch(/NaN/);
  expect(out.trim().length).toBeGreaterThan(0);
});
