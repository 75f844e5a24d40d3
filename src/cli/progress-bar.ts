// Progress bars on stderr for long transfers and copies; nothing at all when stderr is not a
// terminal, so scripts and logs see only the command's own output.
import cliProgress from 'cli-progress';

export interface ProgressBar {
  /** Move to `value` (bytes or percent); `status` is shown beside it. */
  update(value: number, status?: string): void;
  stop(): void;
}

const NONE: ProgressBar = { update() {}, stop() {} };

/** A bar of bytes, `total` known in advance. */
export function byteBar(label: string, total: number): ProgressBar {
  return bar(label, total, '{bar} {percentage}% | {done} / {all}', (v) => ({ done: bytes(v), all: bytes(total) }));
}

/** A bar of percent (0..100) with the resource's status beside it. */
export function percentBar(label: string): ProgressBar {
  return bar(label, 100, '{bar} {percentage}% | {status}', () => ({}));
}

function bar(label: string, total: number, format: string, extra: (value: number) => Record<string, string>): ProgressBar {
  if (!process.stderr.isTTY) return NONE;
  const b = new cliProgress.SingleBar({
    format: `${label} ${format}`, stream: process.stderr, hideCursor: true, clearOnComplete: false,
  }, cliProgress.Presets.shades_classic);
  let status = '';
  b.start(total, 0, { status, ...extra(0) });
  return {
    update(value, s) {
      if (s !== undefined) status = s;
      b.update(Math.min(value, total), { status, ...extra(value) });
    },
    stop() {
      b.stop();
    },
  };
}

/** 1536 → "1.5 KiB". */
export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}
