// `npx tsx bench/report.ts < results.jsonl`: the tables of saved `--json` lines, as the benchmarks print them
// (markdown, for the README).
import { render, type RunResult, type ScaleResult } from './lib/report';

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => (input += d));
process.stdin.on('end', () => {
  for (const line of input.split('\n')) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    process.stdout.write(render(JSON.parse(t) as RunResult | ScaleResult));
  }
});
