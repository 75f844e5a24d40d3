// Pagination and sorting parameters of list routes: limit, marker, sort / sort_key+sort_dir.
import { InvalidInput } from '../../errors/errors.js';
import { q, type Query } from '../http.js';

export const MAX_LIMIT = 1000;

export interface SortKey {
  key: string;
  dir: 'asc' | 'desc';
}

export interface PageParams {
  limit: number;
  marker: string | null;
  offset: number;
  sort: SortKey[];
}

export const PAGE_QUERY_KEYS = ['limit', 'marker', 'offset', 'sort', 'sort_key', 'sort_dir', 'with_count'] as const;

export function parsePageParams(query: Query, sortable: readonly string[], defaultSort: SortKey[]): PageParams {
  const limitRaw = q(query, 'limit');
  let limit = MAX_LIMIT;
  if (limitRaw !== undefined) {
    if (!/^\d+$/.test(limitRaw)) throw new InvalidInput(`Invalid value for limit: '${limitRaw.slice(0, 30)}' is not a non-negative integer.`);
    const n = Number(limitRaw);
    // limit=0 is an empty page, as Cinder answers (Tempest checks it on snapshots).
    limit = Math.min(n, MAX_LIMIT);
  }
  const offsetRaw = q(query, 'offset');
  let offset = 0;
  if (offsetRaw !== undefined) {
    if (!/^\d+$/.test(offsetRaw) || Number(offsetRaw) > 1_000_000_000) throw new InvalidInput(`Invalid value for offset: '${offsetRaw.slice(0, 30)}' is not a non-negative integer.`);
    offset = Number(offsetRaw);
  }
  const marker = q(query, 'marker') ?? null;
  const sort = parseSort(query, sortable) ?? defaultSort;
  return { limit, marker, offset, sort };
}

function parseSort(query: Query, sortable: readonly string[]): SortKey[] | null {
  const sortParam = q(query, 'sort');
  const sortKey = q(query, 'sort_key');
  const sortDir = q(query, 'sort_dir');
  if (sortParam !== undefined && (sortKey !== undefined || sortDir !== undefined)) {
    throw new InvalidInput('The sort parameter cannot be used with sort_key or sort_dir.');
  }
  const keys: SortKey[] = [];
  const add = (key: string, dir: string | undefined) => {
    if (!sortable.includes(key)) throw new InvalidInput(`Invalid sort key '${key.slice(0, 40)}': allowed are ${sortable.join(', ')}.`);
    if (keys.some((k) => k.key === key)) throw new InvalidInput(`Invalid sort parameter: sort key '${key}' is given more than once.`);
    const d = (dir ?? 'desc').toLowerCase();
    if (d !== 'asc' && d !== 'desc') throw new InvalidInput(`Invalid sort direction '${d.slice(0, 20)}' for ${key}: use asc or desc.`);
    keys.push({ key, dir: d });
  };
  if (sortParam !== undefined) {
    // Each key once, so at most one per sortable column: the keyset WHERE clause grows with
    // the square of the key count, and an unbounded list made SQL too big and the loop stall.
    // One part more than there are columns is read, and it is necessarily unknown or repeated.
    for (const part of sortParam.split(',', sortable.length + 1)) {
      const [key, dir] = part.trim().split(':', 2);
      if (!key) throw new InvalidInput('Invalid sort parameter: empty sort key.');
      add(key, dir);
    }
  } else if (sortKey !== undefined) {
    add(sortKey, sortDir);
  } else if (sortDir !== undefined) {
    add('created_at', sortDir);
  } else {
    return null;
  }
  return keys;
}
