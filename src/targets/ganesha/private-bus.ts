// A D-Bus daemon of one Ganesha's own, standing in for the system bus. Ganesha owns the name
// org.ganesha.nfsd on the bus it finds in DBUS_SYSTEM_BUS_ADDRESS; on the one machine-wide bus
// only one Ganesha could own it, so every supervised Ganesha gets its own bus (and no machine
// state is touched). Only root may connect: the socket lives under the backend's state dir.
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../util/logger.js';
import { BackendError } from '../../errors/errors.js';
import { DaemonSlot } from './daemon-process.js';

function busConfig(socket: string): string {
  return `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=${socket}</listen>
  <auth>EXTERNAL</auth>
  <policy user="root">
    <allow own="org.ganesha.nfsd"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
  <policy context="default">
    <deny own="*"/>
    <deny send_destination="*"/>
  </policy>
</busconfig>
`;
}

export class PrivateBus {
  readonly socket: string;
  private readonly configFile: string;
  private readonly slot: DaemonSlot;

  constructor(dir: string, private readonly logger: Logger) {
    this.socket = join(dir, 'bus.sock');
    this.configFile = join(dir, 'bus.conf');
    this.slot = new DaemonSlot(join(dir, 'bus.pid'), this.configFile);
  }

  async endLeftover(): Promise<void> {
    if (await this.slot.endLeftover()) this.logger.info({}, 'ended a D-Bus daemon left running by an earlier Flint');
  }

  get address(): string {
    return `unix:path=${this.socket}`;
  }

  get running(): boolean { return this.slot.running; }
  get pid(): number | null { return this.slot.pid; }

  async start(): Promise<void> {
    if (this.slot.running) return;
    const conf = this.configFile;
    await writeFile(conf, busConfig(this.socket));
    await rm(this.socket, { force: true });
    // --print-address comes once the bus listens: that line is the readiness signal.
    const d = this.slot.spawn(['dbus-daemon', `--config-file=${conf}`, '--nofork', '--nopidfile', '--print-address=1']);
    const ready = await new Promise<boolean>((resolve) => {
      d.child.stdout?.on('data', (b: Buffer) => { if (b.toString().includes('unix:')) resolve(true); });
      void d.exited.then(() => resolve(false));
      setTimeout(() => resolve(false), 10_000).unref();
    });
    if (!ready) {
      await this.slot.stop(3000);
      throw new BackendError(`dbus-daemon for Ganesha did not start: ${d.output()}`, { publicDetail: 'the NFS server could not start' });
    }
    await this.slot.record();
    this.logger.debug({ address: this.address, pid: d.pid }, 'private D-Bus for Ganesha started');
  }

  async stop(): Promise<void> {
    await this.slot.stop(3000);
    await rm(this.socket, { force: true });
  }
}
