// `palisade detect --file access.log [--format ...] [--json]`: run the detectors offline on a file or stdin and print
// each finding with what the policy would do, and the line counts (exit 0 with or without findings; 2 on unreadable
// input or a bad flag).
import type { Command } from 'commander';
import { ACCESS_LOG_FORMATS, type AccessLogFormat } from '../../domain/config/detection';
import { sanitizeUntrusted } from '../../domain/sanitize';
import { detectOffline, openInput, type OfflineReport } from '../../runtime/detect-offline';
import { CliError, EXIT, globals, loadCliConfig } from '../context';

function render(r: OfflineReport): string {
  const out: string[] = [];
  for (const f of r.findings) {
    out.push(`${f.ip}  ${f.behaviour}  score ${f.score}${f.confirmed ? ' (attack observed)' : ''}  → policy: ${f.policy.result}`);
    out.push(`    ${sanitizeUntrusted(f.summary, 200)}`);
    for (const reason of f.reasons) out.push(`    why: ${sanitizeUntrusted(reason, 300)}`);
    if (f.samplePaths.length) out.push(`    paths: ${f.samplePaths.map((p) => sanitizeUntrusted(p, 80)).join('  ')}`);
    if (f.sampleUserAgents.length) out.push(`    user agents: ${f.sampleUserAgents.map((u) => sanitizeUntrusted(u, 80)).join(' | ')}`);
    out.push(`    statuses: ${Object.entries(f.statusCounts).map(([k, v]) => `${k}=${v}`).join(' ')}  seen ${f.firstSeen} … ${f.lastSeen}`);
    out.push(`    policy: ${f.policy.reasons.map((x) => sanitizeUntrusted(x, 200)).join('; ')}`);
  }
  if (r.findings.length === 0) out.push('no findings');
  const reasons = Object.entries(r.malformedReasons).map(([k, v]) => `${k}: ${v}`).join(', ');
  out.push(`lines: ${r.lines.read} read, ${r.lines.skipped} skipped (ordinary traffic), ${r.lines.malformed} malformed${reasons ? ` (${reasons})` : ''}, ${r.lines.counted} counted by a detector`);
  out.push(`format ${r.format}; ${r.linesPerSecond.toLocaleString('en')} lines/s (${r.seconds.toFixed(3)} s); ${r.findings.length} finding(s) from ${new Set(r.findings.map((f) => f.ip)).size} address(es)`);
  return `${out.join('\n')}\n`;
}

export function registerDetectCommand(program: Command) {
  program
    .command('detect')
    .description('run the access-log detectors offline on a file (or stdin) and show what the policy would do')
    .requiredOption('--file <path>', 'access log to read ("-" for stdin)')
    .option('--format <format>', `line format: ${ACCESS_LOG_FORMATS.join(', ')}`, 'auto')
    .option('--json', 'print one JSON document instead of text')
    .action(async (opts: { file: string; format: string; json?: boolean }, cmd: Command) => {
      if (!(ACCESS_LOG_FORMATS as readonly string[]).includes(opts.format)) {
        throw new CliError(`--format must be one of ${ACCESS_LOG_FORMATS.join(', ')}`, EXIT.usage);
      }
      const config = loadCliConfig(globals(cmd));
      let input;
      try {
        input = await openInput(opts.file);
      } catch (err) {
        throw new CliError(`cannot read ${opts.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, EXIT.usage);
      }
      let report: OfflineReport;
      try {
        report = await detectOffline(input, config, opts.format as AccessLogFormat);
      } catch (err) {
        throw new CliError(`cannot read ${opts.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, EXIT.usage);
      }
      process.stdout.write(opts.json ? `${JSON.stringify(report)}\n` : render(report));
    });
}
