// Turns "where a volume's bytes are" (a local file, or iSCSI connection info) into qemu-img
// --image-opts, with CHAP secrets passed as qemu secret objects in a 0600 temp file that is
// deleted after use — never in a URL, a command line or a log.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionInfo, IscsiConnectionData } from '../protocols/connection-info.js';
import { InvalidInput } from '../errors/errors.js';

export type VolumeEndpoint =
  /** A file on this host: a LocalPath volume or an image file. */
  | { kind: 'file'; path: string; format: 'raw' | 'qcow2' }
  /** A volume reached over iSCSI/iSER with the connection info initialize_connection returned. */
  | { kind: 'iscsi'; info: ConnectionInfo; initiator: string };

export interface OpenedEndpoint {
  /** The value for `--image-opts` / `--target-image-opts`. */
  imageOpts: string;
  /** `--object …` arguments (secret objects); they name a file, never hold a secret. */
  objectArgs: string[];
  dispose(): Promise<void>;
}

/** qemu's option syntax doubles a literal comma. */
export function escapeOpt(value: string): string {
  return value.replace(/,/g, ',,');
}

let seq = 0;

export async function openEndpoint(ep: VolumeEndpoint): Promise<OpenedEndpoint> {
  if (ep.kind === 'file') {
    return {
      imageOpts: `driver=${ep.format},file.driver=file,file.filename=${escapeOpt(ep.path)}`,
      objectArgs: [],
      dispose: async () => undefined,
    };
  }
  const { info } = ep;
  if (info.driver_volume_type !== 'iscsi' && info.driver_volume_type !== 'iser') {
    throw new InvalidInput(`The connector cannot open driver_volume_type ${info.driver_volume_type}.`);
  }
  const d = info.data as IscsiConnectionData;
  const parts = [
    'driver=iscsi',
    `transport=${info.driver_volume_type === 'iser' ? 'iser' : 'tcp'}`,
    `portal=${escapeOpt(d.target_portal)}`,
    `target=${escapeOpt(d.target_iqn)}`,
    `lun=${d.target_lun}`,
    `initiator-name=${escapeOpt(ep.initiator)}`,
  ];
  if (d.auth_method !== 'CHAP' || !d.auth_username || !d.auth_password) {
    return { imageOpts: parts.join(','), objectArgs: [], dispose: async () => undefined };
  }
  const dir = await mkdtemp(join(tmpdir(), 'flint-chap-'));
  const file = join(dir, 'secret');
  await writeFile(file, d.auth_password, { mode: 0o600 });
  const id = `flintsec${process.pid}_${++seq}`;
  parts.push(`user=${escapeOpt(d.auth_username)}`, `password-secret=${id}`);
  return {
    imageOpts: parts.join(','),
    objectArgs: ['--object', `secret,id=${id},file=${escapeOpt(file)}`],
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Opens several endpoints and disposes all of them however `fn` ends. */
export async function withEndpoints<T>(eps: VolumeEndpoint[], fn: (opened: OpenedEndpoint[]) => Promise<T>): Promise<T> {
  const opened: OpenedEndpoint[] = [];
  try {
    for (const ep of eps) opened.push(await openEndpoint(ep));
    return await fn(opened);
  } finally {
    for (const o of opened) await o.dispose();
  }
}
