/**
 * Writes one run's report: latest.json (every row and the facts), latest.md (markdown.ts) and
 * speedup.svg (chart.ts), side by side in benchmarks/results/ (committed: the README embeds the chart).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {speedupChart} from './chart';
import {formatReport} from './markdown';
import type {Report} from './row';

export const RESULTS_DIR = path.join(__dirname, 'results');

/** The machine the Node side ran on. */
export function machineFacts(tfjsVersion: string): Report['machine'] {
  const cpus = os.cpus();
  return {cpu: cpus[0]?.model.trim() ?? 'unknown', cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30), os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version, tfjs: tfjsVersion};
}

/** The report as JSON, one row per line: two runs' files compare line by line. */
export function toJson(report: Report): string {
  const {rows, ...head} = report;
  // shapes on one line each, like the rows' shapes
  const top = JSON.stringify(head, null, 1).replace(/\[\s+(\d+),\s+(\d+)\s+\]/g, '[$1, $2]').replace(/\n}$/, '');
  return `${top},\n "rows": [\n${rows.map((r) => `  ${JSON.stringify(r)}`).join(',\n')}\n ]\n}\n`;
}

/** Writes the three files into `dir`; returns their paths. */
export function writeReport(report: Report, dir = RESULTS_DIR): string[] {
  fs.mkdirSync(dir, {recursive: true});
  const files: Array<[string, string]> = [
    ['latest.json', toJson(report)],
    ['latest.md', formatReport(report)],
    ['speedup.svg', speedupChart(report)],
  ];
  return files.map(([name, body]) => {
    fs.writeFileSync(path.join(dir, name), body);
    return path.join(dir, name);
  });
}
