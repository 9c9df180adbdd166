/**
 * The browser suite's HTTP server: 127.0.0.1, an ephemeral port, node:http. It serves the same page
 * under two paths:
 *
 *   /plain/      no isolation headers: tfjs picks its SIMD wasm build, ours its 'simd' build
 *   /isolated/   COOP same-origin + COEP require-corp (and CORP on every response), so the page is
 *                crossOriginIsolated, SharedArrayBuffer exists, and tfjs loads its threaded-SIMD
 *                build, whose shared memory makes ours load 'simd-shared'
 *
 * Each path serves index.html, page.js (the bundle) and tfjs-backend-wasm's three .wasm files, which
 * the page finds next to itself (setWasmPaths). Nothing else: a fixed list, so no path reaches the disk.
 */
import * as fs from 'fs';
import * as http from 'http';
import type {AddressInfo} from 'net';
import * as path from 'path';

const WASM_DIR = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

// the data: icon keeps Chromium from asking for /favicon.ico, a 404 it would log as a console error
const HTML = `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>tfjs-fused-cross-entropy parity</title></head>
<body><script src="page.js"></script></body></html>
`;

const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export interface Server {
  /** The plain page's URL. */
  plain: string;
  /** The cross-origin isolated page's URL. */
  isolated: string;
  /** Every path requested, in order (which .wasm builds tfjs fetched, for one). */
  requests: string[];
  close(): Promise<void>;
}

export async function serve(bundle: string): Promise<Server> {
  const files = new Map<string, {type: string; body: string | Buffer}>([
    ['', {type: 'text/html; charset=utf-8', body: HTML}],
    ['index.html', {type: 'text/html; charset=utf-8', body: HTML}],
    ['page.js', {type: 'text/javascript; charset=utf-8', body: bundle}],
    // application/wasm lets tfjs compile while downloading (instantiateStreaming)
    ...WASM_FILES.map((f): [string, {type: string; body: Buffer}] =>
      [f, {type: 'application/wasm', body: fs.readFileSync(path.join(WASM_DIR, f))}]),
  ]);
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(url.pathname);
    const [, prefix, ...rest] = url.pathname.split('/');
    const file = files.get(rest.join('/'));
    if ((prefix !== 'plain' && prefix !== 'isolated') || file === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, {'Content-Type': 'text/plain'}).end(`not found: ${url.pathname}\n`);
      return;
    }
    res.writeHead(200, {
      'Content-Type': file.type,
      'Content-Length': Buffer.byteLength(file.body),
      'Cache-Control': 'no-store',  // every run loads the bundle it just built
      ...(prefix === 'isolated' ? ISOLATION_HEADERS : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : file.body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    plain: `${base}/plain/`,
    isolated: `${base}/isolated/`,
    requests,
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections();  // Chromium keeps connections alive; close() alone would wait for them
      server.close((e) => (e ? reject(e) : resolve()));
    }),
  };
}
