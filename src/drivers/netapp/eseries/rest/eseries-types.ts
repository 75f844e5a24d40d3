// The SANtricity Web Services objects the driver reads, typed to the fields it uses.

export interface EsAbout { runningAsProxy: boolean; version: string; systemId: string }
export interface EsStorageSystem { id: string; wwn: string; name: string; status: string; passwordStatus: string; controllerAddresses?: string[] }
export interface EsPool {
  id: string; volumeGroupRef: string; label: string; raidLevel: string; totalRaidedSpace: string; usedSpace: string;
  freeSpace: string; diskPool: boolean; securityType: string;
}
export interface EsSscPool {
  poolId: string; flashCacheCapable: boolean; dataAssuranceCapable: boolean; encrypted: boolean;
  thinProvisioningCapable: boolean; spindleSpeed: number; raidLevel: string; spindleSpeedMatch: boolean;
}
export interface EsDrive { id: string; currentVolumeGroupRef: string; driveMediaType: string; interfaceType: { driveType: string } }
export interface EsVolume {
  id: string; volumeRef: string; label: string; wwn: string; worldWideName: string;
  /** Bytes, as a decimal string. */
  capacity: string;
  volumeGroupRef: string; currentManager: string; preferredManager: string;
  thinProvisioned: boolean; objectType: 'volume' | 'thinVolume'; status: string; mapped: boolean;
  flashCached: boolean; dataAssurance: boolean; diskPool: boolean;
  listOfMappings: EsMapping[];
}
export interface EsCreateVolume {
  poolId: string; name: string; sizeUnit: 'gb' | 'bytes'; size: number;
  dataAssuranceEnable: boolean; flashCacheEnable: boolean; readCacheEnable: boolean; writeCacheEnable: boolean; thinProvision: boolean;
}
export interface EsActionProgress { volumeRef: string; currentAction: string; estimatedTimeToCompletion: number }
export interface EsHostPort { type: string; address: string; label: string }
export interface EsHost { id: string; hostRef: string; label: string; clusterRef: string; hostTypeIndex: number; hostSidePorts: EsHostPort[] }
export interface EsHostType { name: string; index: number; code: string }
export interface EsHostGroup { id: string; clusterRef: string; label: string }
export interface EsMapping { lunMappingRef: string; lun: number; volumeRef: string; mapRef: string; type: string; perms: number; ssid: number }
export interface EsIscsiPort {
  controllerId: string; ipv4Enabled: boolean; iqn: string; tcpListenPort: number;
  ipv4Data: { ipv4AddressData: { ipv4Address: string; configState: string } };
}
export interface EsController { controllerRef: string; physicalLocation: { label: string } }
export interface EsHardwareInventory { iscsiPorts: EsIscsiPort[]; controllers: EsController[] }
export interface EsSnapshotGroup {
  id: string; pitGroupRef: string; label: string; baseVolume: string; snapshotCount: number; maxBaseCapacity?: string; consistencyGroup: boolean;
}
export interface EsSnapshotImage { id: string; pitRef: string; pitGroupRef: string; baseVol: string; pitSequenceNumber: string; pitTimestamp: string; status: string }
export interface EsSnapshotVolume { id: string; viewRef: string; label: string; basePIT: string; viewMode: string; capacity: string }
export interface EsCopyJob { id: string; volcopyRef: string; status: string; sourceVolume: string; targetVolume: string; percentComplete: number }
export interface EsPersistentRecord { key: string; value: string }
export interface EsConsistencyGroup { id: string; cgRef: string; label: string }
export interface EsCgMember { consistencyGroupId: string; volumeId: string; baseVolumeName: string }
