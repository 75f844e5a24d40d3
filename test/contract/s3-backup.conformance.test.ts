// The backup driver conformance suite for `s3`, against s3rver (an S3-compatible server from
// npm) on a loopback port. Listing and corruption go through AWS's SDK straight to the server.
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { runBackupDriverConformance } from './backup-driver-conformance.js';
import { startS3TestServer } from '../support/s3-test-server.js';

runBackupDriverConformance({
  name: 's3 (s3rver)',
  async setup() {
    const server = await startS3TestServer();
    const client = new S3Client({
      endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
      requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
    });
    return {
      options: {
        backup_driver: 's3', backup_s3_endpoint_url: server.endpoint,
        backup_s3_store_access_key: server.accessKeyId, backup_s3_store_secret_key: server.secretAccessKey,
      },
      async listObjects(container, prefix) {
        const keys: string[] = [];
        let token: string | undefined;
        do {
          const page = await client.send(new ListObjectsV2Command({ Bucket: container, Prefix: prefix, ContinuationToken: token }));
          for (const o of page.Contents ?? []) keys.push(o.Key!);
          token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token);
        return keys.sort();
      },
      async corrupt(container, key) {
        const out = await client.send(new GetObjectCommand({ Bucket: container, Key: key }));
        const bytes = Buffer.from(await out.Body!.transformToByteArray());
        bytes[100] = bytes[100]! ^ 0xff;
        await client.send(new PutObjectCommand({ Bucket: container, Key: key, Body: bytes }));
      },
      async cleanup() {
        client.destroy();
        await server.stop();
      },
    };
  },
});
