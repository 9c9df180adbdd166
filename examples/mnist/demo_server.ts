/**
 * The server of `npm run demo` (scripts/demo.ts) and of test/demo.test.ts: bundles demo_page.ts with
 * esbuild from the TypeScript sources (no `npm run build` needed; the digits' JSON goes into the
 * bundle) and serves it with demo.html on 127.0.0.1, node:http. Two paths and nothing else, so no
 * request reaches the disk.
 */
import * as fs from 'fs';
import * as http from 'http';
import type {AddressInfo} from 'net';
import * as path from 'path';
import {bundlePage} from '../../test/browser/bundle';

export interface DemoServer {
  url: string;
  /** the bundle's size in bytes and how long esbuild took */
  bundle: {bytes: number, ms: number};
  close(): Promise<void>;
}

/** Bundles the page and listens on 127.0.0.1:`port` (0: any free port). */
export async function serveDemo(port: number): Promise<DemoServer> {
  const t0 = Date.now();
  const js = (await bundlePage('examples/mnist/demo_page.ts')).code;
  const ms = Date.now() - t0;
  const html = fs.readFileSync(path.join(__dirname, 'demo.html'), 'utf8');
  const files = new Map<string, {type: string, body: string}>([
    ['/', {type: 'text/html; charset=utf-8', body: html}],
    ['/index.html', {type: 'text/html; charset=utf-8', body: html}],
    ['/demo.js', {type: 'text/javascript; charset=utf-8', body: js}],
  ]);
  const server = http.createServer((req, res) => {
    const file = files.get(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    if (file === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, {'Content-Type': 'text/plain'}).end('not found\n');
      return;
    }
    res.writeHead(200, {'Content-Type': file.type, 'Content-Length': Buffer.byteLength(file.body),
      'Cache-Control': 'no-store'});  // a restarted demo serves its new bundle
    res.end(req.method === 'HEAD' ? undefined : file.body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    bundle: {bytes: Buffer.byteLength(js), ms},
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections();  // browsers keep connections alive; close() alone would wait for them
      server.close((e) => (e ? reject(e) : resolve()));
    }),
  };
}
