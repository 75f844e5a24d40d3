// Attaching and detaching as the API asks it: the legacy volume actions and the attachments API.
import type { AttachmentRow } from '../db/schema.js';
import type { Connector, ConnectionInfo } from '../drivers/interface/objects.js';
import type { RequestContext } from './operations.js';

export interface AttachRequest {
  instanceUuid?: string | null;
  hostName?: string | null;
  mountpoint: string;
  mode?: 'rw' | 'ro';
}

export interface CreateAttachmentRequest {
  volumeId: string;
  instanceUuid?: string | null;
  connector?: Connector | null;
  mode?: 'rw' | 'ro';
}

export interface AttachmentWithConnection {
  attachment: AttachmentRow;
  connectionInfo: ConnectionInfo | null;
}

export interface LegacyAttachOperations {
  // Legacy attach actions (os-reserve, os-initialize_connection, os-attach, …).
  reserve(ctx: RequestContext, id: string): Promise<void>;
  unreserve(ctx: RequestContext, id: string): Promise<void>;
  beginDetaching(ctx: RequestContext, id: string): Promise<void>;
  rollDetaching(ctx: RequestContext, id: string): Promise<void>;
  initializeConnection(ctx: RequestContext, id: string, connector: Connector): Promise<ConnectionInfo>;
  terminateConnection(ctx: RequestContext, id: string, connector: Connector): Promise<void>;
  attach(ctx: RequestContext, id: string, req: AttachRequest): Promise<AttachmentRow>;
  detach(ctx: RequestContext, id: string, attachmentId?: string | null): Promise<void>;
  forceDetach(ctx: RequestContext, id: string, attachmentId?: string | null, connector?: Connector | null): Promise<void>;
}

export interface AttachmentOperations {
  // Attachments API (3.27+).
  createAttachment(ctx: RequestContext, req: CreateAttachmentRequest): Promise<AttachmentWithConnection>;
  updateAttachment(ctx: RequestContext, attachmentId: string, connector: Connector): Promise<AttachmentWithConnection>;
  completeAttachment(ctx: RequestContext, attachmentId: string): Promise<void>;
  deleteAttachment(ctx: RequestContext, attachmentId: string): Promise<void>;
}
