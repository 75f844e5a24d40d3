// Small builders for the objects a driver is handed, so contract tests read like the calls they make.
import { randomUUID } from 'node:crypto';
import type { Connector, DriverSnapshot, DriverVolume, ModelUpdate } from '../../src/drivers/interface/objects.js';

/** A volume as the manager would hand it to a driver; `id` is unique per call unless given. */
export function makeVolume(overrides: Partial<DriverVolume> = {}): DriverVolume {
  const id = overrides.id ?? randomUUID();
  return {
    id,
    name: `volume-${id}`,
    size: 1,
    host: null,
    providerLocation: null,
    providerAuth: null,
    providerId: null,
    volumeTypeId: null,
    extraSpecs: {},
    metadata: {},
    multiattach: false,
    ...overrides,
  };
}

/** A snapshot of `volume`, sized like the volume at snapshot time. */
export function makeSnapshot(volume: DriverVolume, overrides: Partial<DriverSnapshot> = {}): DriverSnapshot {
  const id = overrides.id ?? randomUUID();
  return {
    id,
    name: `snapshot-${id}`,
    volumeSize: volume.size,
    volume,
    providerLocation: null,
    providerId: null,
    ...overrides,
  };
}

/** What the manager does with a driver's model update: record the fields on the object. */
export function applyUpdate<T extends DriverVolume | DriverSnapshot>(obj: T, update: ModelUpdate | void | null): T {
  if (!update) return obj;
  const next = { ...obj } as T & Record<string, unknown>;
  if (update.providerLocation !== undefined) next.providerLocation = update.providerLocation;
  if (update.providerId !== undefined) next.providerId = update.providerId;
  if ('providerAuth' in next && update.providerAuth !== undefined) (next as DriverVolume).providerAuth = update.providerAuth;
  if ('size' in next && update.size !== undefined) (next as DriverVolume).size = update.size;
  if ('metadata' in next && update.metadata !== undefined) (next as DriverVolume).metadata = { ...update.metadata };
  return next;
}

/** An iSCSI connector like os-brick reports, unique per call so tests do not share initiators. */
export function makeIscsiConnector(overrides: Partial<Connector> = {}): Connector {
  const tag = randomUUID().slice(0, 8);
  return { initiator: `iqn.1993-08.org.debian:01:${tag}`, host: `host-${tag}`, ip: '127.0.0.1', multipath: false, platform: 'x86_64', os_type: 'linux2', ...overrides };
}

/** A Fibre Channel connector with one port. */
export function makeFcConnector(overrides: Partial<Connector> = {}): Connector {
  return { host: 'fc-host', wwpns: ['500a098280feeba5'], wwnns: ['500a098200feeba5'], ...overrides };
}
