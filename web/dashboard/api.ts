// The dashboard's one way to Flint: the same Block Storage v3 API the clients use, with the
// token the login form obtained (Keystone) or none (noauth on loopback).
export interface Session { token: string | null; projectId: string; auth: 'noauth' | 'keystone' }

export class ApiError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

const MICROVERSION = 'volume 3.27';
const SHARE_MICROVERSION = '2.47';

/** A Block Storage v3 call (volumes, pools, messages…). */
export function call<T>(s: Session, method: string, path: string, body?: unknown): Promise<T> {
  return request<T>(s, `/v3/${encodeURIComponent(s.projectId)}${path}`, { 'OpenStack-API-Version': MICROVERSION }, method, body);
}

/** A Shared File Systems v2 call (shares). */
export function callShares<T>(s: Session, method: string, path: string, body?: unknown): Promise<T> {
  return request<T>(s, `/v2/${encodeURIComponent(s.projectId)}${path}`, { 'X-OpenStack-Manila-API-Version': SHARE_MICROVERSION }, method, body);
}

async function request<T>(s: Session, url: string, version: Record<string, string>, method: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { ...version };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (s.token) headers['x-auth-token'] = s.token;
  const r = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  const json = text ? JSON.parse(text) : null;
  if (!r.ok) {
    // OpenStack faults: { "badRequest": { "message": … } } and friends.
    const fault = json && typeof json === 'object' ? (Object.values(json)[0] as { message?: string } | undefined) : undefined;
    throw new ApiError(r.status, fault?.message ?? `${method} ${url}: HTTP ${r.status}`);
  }
  return json as T;
}

export interface Volume {
  id: string; name: string | null; size: number; status: string; volume_type: string | null;
  availability_zone: string; created_at: string; 'os-vol-host-attr:host'?: string | null;
  attachments: Array<{ attachment_id: string; server_id: string | null; host_name: string | null; device: string | null }>;
}
export interface Share {
  id: string; name: string | null; size: number; status: string; share_proto: string; share_type_name?: string | null;
  export_locations?: string[]; export_location?: string | null; availability_zone: string | null; created_at: string;
}
export interface Pool { name: string; capabilities: Record<string, unknown> }
export interface Message { id: string; event_id: string; user_message: string; resource_type: string; resource_uuid: string | null; created_at: string; message_level: string }
export interface Progress { operation: string | null; percent: number | null; status: string }
export interface PoolVerdict { pool: string; chosen?: boolean; filters?: Array<{ filter: string; passed: boolean; reason: string }>; weight?: number | null }
