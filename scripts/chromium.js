/**
 * Finds the Chromium that test/browser.test.ts drives (through playwright-core, which brings no browser
 * of its own here: `npx playwright install` downloads from a host this project cannot reach), and on a
 * bare machine installs Debian's.
 *
 *   node scripts/chromium.js      npm's pretest: find it, or install it (root with apt-get), or fail
 *   require('./chromium').findChromium()   the path, or an Error that says what to run
 *
 * Order: $CHROME_PATH, then /usr/bin/chromium, then chromium, chromium-browser, google-chrome and
 * google-chrome-stable on PATH. It never skips: without a browser the browser tests would pass vacuously.
 */
const {execFileSync} = require('child_process');
const fs = require('fs');
const path = require('path');

const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];
const HOW = 'install Debian\'s with `sudo apt-get install -y chromium`, or set CHROME_PATH to a Chromium or ' +
    'Chrome executable';

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The first executable called `name` on PATH, or null. */
function onPath(name) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (dir !== '' && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return null;
}

/** The Chromium to launch; throws an Error naming the command that would provide one. */
function findChromium() {
  const fromEnv = process.env.CHROME_PATH;
  if (fromEnv) {
    // a CHROME_PATH that is wrong is a mistake to report, not a reason to test some other browser
    if (isExecutable(fromEnv)) return fromEnv;
    throw new Error(`CHROME_PATH=${fromEnv} is not an executable file: point it at a Chromium or Chrome executable, ` +
        'or unset it and install Debian\'s chromium with `sudo apt-get install -y chromium`.');
  }
  if (isExecutable('/usr/bin/chromium')) return '/usr/bin/chromium';
  for (const name of NAMES) {
    const found = onPath(name);
    if (found !== null) return found;
  }
  throw new Error(`No Chromium found for the browser tests (test/browser.test.ts): ${HOW}.`);
}

/**
 * findChromium(), after installing Debian's chromium when there is none and this process may do so
 * (root, apt-get on PATH): a fresh CI machine runs `npm test` as root with nothing but Node.
 */
function ensureChromium() {
  try {
    return findChromium();
  } catch (e) {
    const root = typeof process.getuid === 'function' && process.getuid() === 0;
    if (process.env.CHROME_PATH || !root || onPath('apt-get') === null) throw e;
  }
  console.log('chromium.js: no Chromium on this machine; installing Debian\'s chromium for the browser tests ' +
      '(apt-get update && apt-get install -y chromium)');
  // inherit stdio so the download's progress shows; noninteractive because CI has no terminal
  const options = {stdio: 'inherit', env: {...process.env, DEBIAN_FRONTEND: 'noninteractive'}};
  execFileSync('apt-get', ['update'], options);
  execFileSync('apt-get', ['install', '-y', 'chromium'], options);
  return findChromium();
}

/** The flags every launch here uses (the browser suite and the benchmark). */
const CHROMIUM_ARGS = [
  '--no-sandbox',  // Chromium will not start as root (CI here) with its sandbox on
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
  // no GPU here: WebGL (and WebGPU) run on SwiftShader, which Chromium only offers when asked
  '--enable-unsafe-swiftshader', '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader',
];

module.exports = {findChromium, ensureChromium, CHROMIUM_ARGS};

if (require.main === module) {
  try {
    console.log(`chromium.js: browser tests use ${ensureChromium()}`);
  } catch (e) {
    console.error(`chromium.js: ${e.message}`);
    process.exit(1);
  }
}
