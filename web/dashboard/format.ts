export const gib = (n: unknown) => (typeof n === 'number' ? `${Math.round(n * 10) / 10} GiB` : String(n ?? 'unknown'));
export const TRANSITIONAL = new Set(['creating', 'deleting', 'extending', 'attaching', 'detaching', 'downloading', 'uploading', 'backing-up', 'restoring-backup', 'retyping', 'maintenance', 'reserved']);
export const statusClass = (s: string) => (s === 'available' || s === 'in-use' ? 'ok' : s.startsWith('error') ? 'bad' : TRANSITIONAL.has(s) ? 'busy' : '');
