// An ObjectStore over an S3-compatible service through AWS's own SDK (signing, retries and
// S3's quirks are its job): a container is a bucket, created when missing. Faults are turned
// into BackendErrors here, naming the operation and object, never the credentials.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent as HttpsAgent } from 'node:https';
import {
  CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListObjectsCommand,
  PutObjectCommand, S3Client, S3ServiceException,
} from '@aws-sdk/client-s3';
import { BackendError } from '../../../errors/errors.js';
import { ObjectMissing, type ObjectStore } from '../chunked/object-store.js';
import { bucketNameProblem } from './bucket-name.js';

export interface S3StoreSettings {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
  verifySsl: boolean;
  caCertFile: string | null;
  timeoutMs: number;
  maxAttempts: number;
}

function statusOf(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

function isNotFound(e: unknown): boolean {
  const name = (e as { name?: string } | null)?.name;
  return name === 'NoSuchKey' || name === 'NotFound' || name === 'NoSuchBucket' || statusOf(e) === 404;
}

export class S3ObjectStore implements ObjectStore {
  readonly description: string;
  private readonly client: S3Client;
  private readonly known = new Set<string>();

  constructor(settings: S3StoreSettings) {
    this.description = `S3 store ${settings.endpoint}`;
    const agent = new HttpsAgent({
      keepAlive: true,
      rejectUnauthorized: settings.verifySsl,
      ...(settings.caCertFile ? { ca: readFileSync(settings.caCertFile) } : {}),
    });
    this.client = new S3Client({
      endpoint: settings.endpoint,
      region: settings.region,
      forcePathStyle: settings.forcePathStyle,
      credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
      maxAttempts: settings.maxAttempts,
      // Objects carry their own SHA-256 in the manifest and a Content-MD5 on upload; the SDK's
      // optional CRC checksums are left to what a request requires, which every S3-compatible store accepts.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { httpsAgent: agent, requestTimeout: settings.timeoutMs, connectionTimeout: settings.timeoutMs },
    });
  }

  /** Runs one request, turning its fault into a BackendError that names what was asked. */
  private async call<T>(what: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (e) {
      if (e instanceof BackendError || e instanceof ObjectMissing) throw e;
      const status = statusOf(e);
      let name = e instanceof S3ServiceException ? e.name : (e as Error)?.name ?? 'Error';
      // A HEAD request's refusal has no body, so the SDK cannot name it.
      if (status === 403 && (name === 'Unknown' || name === 'Forbidden')) name = 'AccessDenied (check the access key and secret key)';
      throw new BackendError(`${this.description}: ${what} failed: ${name}${status ? ` (HTTP ${status})` : ''}: ${(e as Error)?.message ?? String(e)}`,
        { cause: e, retryable: status === undefined || status >= 500, publicDetail: `the backup object store failed (${name})` });
    }
  }

  private bucket(container: string): string {
    const problem = bucketNameProblem(container);
    if (problem) throw new BackendError(`Backup container ${problem}.`, { publicDetail: `backup container ${problem}` });
    return container;
  }

  async ensureContainer(container: string): Promise<void> {
    const Bucket = this.bucket(container);
    if (this.known.has(Bucket)) return;
    try {
      await this.client.send(new HeadBucketCommand({ Bucket }));
    } catch (e) {
      if (!isNotFound(e)) return this.call(`checking bucket ${Bucket}`, () => Promise.reject(e));
      await this.call(`creating bucket ${Bucket}`, async () => {
        try {
          await this.client.send(new CreateBucketCommand({ Bucket }));
        } catch (err) {
          // Another backup created it in between.
          if ((err as { name?: string }).name !== 'BucketAlreadyOwnedByYou') throw err;
        }
      });
    }
    this.known.add(Bucket);
  }

  async put(container: string, key: string, data: Buffer): Promise<void> {
    const Bucket = this.bucket(container);
    const ContentMD5 = createHash('md5').update(data).digest('base64');
    await this.call(`writing ${Bucket}/${key}`, () => this.client.send(new PutObjectCommand({ Bucket, Key: key, Body: data, ContentMD5 })));
  }

  async get(container: string, key: string): Promise<Buffer> {
    const Bucket = this.bucket(container);
    return this.call(`reading ${Bucket}/${key}`, async () => {
      try {
        const out = await this.client.send(new GetObjectCommand({ Bucket, Key: key }));
        if (!out.Body) throw new BackendError(`${this.description}: reading ${Bucket}/${key} returned no body.`);
        return Buffer.from(await out.Body.transformToByteArray());
      } catch (e) {
        if (isNotFound(e)) throw new ObjectMissing(container, key);
        throw e;
      }
    });
  }

  async delete(container: string, key: string): Promise<void> {
    const Bucket = this.bucket(container);
    await this.call(`deleting ${Bucket}/${key}`, async () => {
      try {
        await this.client.send(new DeleteObjectCommand({ Bucket, Key: key }));
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    });
  }

  /**
   * Pages with ListObjects (v1) and a marker rather than v2's continuation tokens: every
   * S3-compatible store has v1, and s3rver, the test server, cannot make v2 tokens on Node 17+.
   */
  async list(container: string, prefix: string): Promise<string[]> {
    const Bucket = this.bucket(container);
    const keys: string[] = [];
    let Marker: string | undefined;
    for (;;) {
      const page = await this.call(`listing ${Bucket}/${prefix}`, async () => {
        try {
          return await this.client.send(new ListObjectsCommand({ Bucket, Prefix: prefix, Marker }));
        } catch (e) {
          if (isNotFound(e)) return null;
          throw e;
        }
      });
      if (!page) return [];
      const got = (page.Contents ?? []).flatMap((o) => (o.Key ? [o.Key] : []));
      keys.push(...got);
      if (!page.IsTruncated || got.length === 0) break;
      Marker = page.NextMarker ?? got.at(-1);
    }
    return keys.sort();
  }

  async exists(container: string, key: string): Promise<boolean> {
    const Bucket = this.bucket(container);
    return this.call(`checking ${Bucket}/${key}`, async () => {
      try {
        await this.client.send(new HeadObjectCommand({ Bucket, Key: key }));
        return true;
      } catch (e) {
        if (isNotFound(e)) return false;
        throw e;
      }
    });
  }

  async check(container: string): Promise<void> {
    this.known.delete(container);
    await this.ensureContainer(container);
    await this.call(`checking bucket ${container}`, () => this.client.send(new HeadBucketCommand({ Bucket: container })));
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
