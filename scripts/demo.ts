/**
 * npm run demo: serves the browser demo (examples/mnist/demo_page.ts) on 127.0.0.1 and prints its
 * URL; Ctrl-C stops it. Needs `npm ci` only: the page is bundled from the TypeScript sources.
 *
 *   npm run demo [-- --port 8080]
 *   npm run demo -- --lm: the next-word language model's page instead (examples/lm/demo_server.ts)
 */
import {serveLmDemo} from '../examples/lm/demo_server';
import {serveDemo} from '../examples/mnist/demo_server';

const HELP = `npm run demo [-- options]: serve a page that trains an MNIST classifier in the browser on webgl
or webgpu, with the fused loss and with tfjs-layers' own, showing both loss curves and step times

  --port N   the port on 127.0.0.1 (default 8080; 0 picks a free one)
  --lm       serve the next-word language model's page instead: the Brown corpus, trained with the
             fused linearCrossEntropy head and with tf.losses, held-out perplexity per epoch
  --help     this text
`;

function parseArgs(argv: string[]): {port: number, lm: boolean} {
  let port = 8080;
  let lm = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--help' || flag === '-h') { process.stdout.write(HELP); process.exit(0); }
    else if (flag === '--lm') lm = true;
    else if (flag === '--port') {
      port = Number(argv[++i]);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new Error(`--port takes a port number from 0 to 65535; got ${argv[i]}`);
      }
    } else throw new Error(`unknown option ${flag}\n\n${HELP}`);
  }
  return {port, lm};
}

(async () => {
  const {port, lm} = parseArgs(process.argv.slice(2));
  console.log(lm ? 'Bundling the language model\'s page and reading the Brown corpus…'
    : 'Bundling the demo page (the MNIST digits go into it)…');
  let demo;
  try {
    demo = lm ? await serveLmDemo(port) : await serveDemo(port);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`port ${port} is in use: try npm run demo -- --port ${port + 1} (or --port 0)`);
    }
    throw e;
  }
  console.log(`Bundled ${(demo.bundle.bytes / 1e6).toFixed(1)} MB in ${(demo.bundle.ms / 1000).toFixed(1)} s.`);
  console.log(`\nOpen ${demo.url} in a browser with WebGL 2 or WebGPU (Chrome, Edge: both). Ctrl-C stops the server.`);
  const stop = () => { void demo.close().finally(() => process.exit(0)); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
})().catch((e) => { console.error(e instanceof Error ? e.message : e); process.exit(1); });
