// s3rver in its own process (for benches: the server's CPU is not the client's): prints its
// port on stdout, and exits when its stdin closes, so it never outlives the process that started it.
import { startS3TestServer } from './s3-test-server.js';

const server = await startS3TestServer();
process.stdout.write(`${new URL(server.endpoint).port}\n`);
process.stdin.resume();
process.stdin.on('end', () => void server.stop().then(() => process.exit(0)));
process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
