// Runs the share driver conformance suite on the `local` share driver: a real XFS pool image and
// a real NFS-Ganesha (test/support/local-share-backend.ts), cleaned up after.
import { makeLocalShareDriver } from '../support/local-share-backend.js';
import { runShareDriverConformance } from './share-driver-conformance.js';

runShareDriverConformance('local (XFS images, NFS-Ganesha)', async () => {
  const b = await makeLocalShareDriver();
  return { driver: b.driver, cleanup: () => b.cleanup() };
});
