/** The benchmark's command line (benchmarks/run.ts): --shapes, --runs, --backends, --loss. */
import {FAMILIES, LOSS_FAMILIES, LossFamily} from './row';

export interface Args {
  /** every selected family runs these shapes; each family has its defaults */
  shapes?: Array<[number, number]>;
  runs?: number;
  backends?: string[];
  /** default: every family but 'linear' (which runs only when named) */
  losses: LossFamily[];
}

export function parseArgs(argv: string[]): Args {
  const get = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const shapes = get('--shapes')?.split(',').map((s) => s.split('x').map(Number) as [number, number]);
  const runs = get('--runs') ? Number(get('--runs')) : undefined;
  const backends = get('--backends')?.split(',');
  const losses = (get('--loss')?.split(',') ?? FAMILIES) as LossFamily[];
  const unknown = losses.filter((l) => !LOSS_FAMILIES.includes(l));
  if (unknown.length > 0) throw new Error(`--loss: unknown ${unknown.join(', ')}; known: ${LOSS_FAMILIES.join(', ')}`);
  return {shapes, runs, backends, losses};
}
