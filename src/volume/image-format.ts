// Tells a qcow2 image from a raw one by its header, without running anything.
import { open } from 'node:fs/promises';

const QCOW_MAGIC = Buffer.from([0x51, 0x46, 0x49, 0xfb]); // "QFI\xfb"

export async function detectImageFormat(path: string): Promise<'qcow2' | 'raw'> {
  const f = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await f.read(head, 0, 4, 0);
    return bytesRead === 4 && head.equals(QCOW_MAGIC) ? 'qcow2' : 'raw';
  } finally {
    await f.close();
  }
}

/** Throttles progress to whole percents that changed, so a copy writes a few rows, not thousands. */
export function throttledProgress(record: (percent: number) => Promise<void>): (percent: number) => void {
  let last = -1;
  return (p) => {
    const whole = Math.floor(p);
    if (whole <= last) return;
    last = whole;
    void record(whole).catch(() => undefined);
  };
}
