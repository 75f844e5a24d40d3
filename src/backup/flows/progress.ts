// Progress of a long copy, recorded at most once per whole percent.
export function throttled(record: (percent: number) => Promise<void>): (percent: number) => void {
  let last = -1;
  return (p) => {
    const whole = Math.floor(p);
    if (whole <= last) return;
    last = whole;
    void record(whole).catch(() => undefined);
  };
}
