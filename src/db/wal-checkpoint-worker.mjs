// Thread body of the WAL checkpointer (see wal-checkpointer.ts): plain JavaScript with no
// project imports, so the same file runs under tsx and from dist/js without a loader.
//
// One checkpoint at a time, then a report, then nothing until the serving connection answers
// 'ack' (it may checkpoint in between, and two checkpointers would only make one of them busy),
// or for ACK_WAIT_MS at most: an event loop too busy to answer must not stop the checkpoints.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/** @type {{ file: string, hardLimitFrames: number, busyTimeoutMs: number, quietMs: number }} */
const { file, hardLimitFrames, busyTimeoutMs, quietMs } = workerData;
const db = new Database(file, { fileMustExist: true });
// Waited only by the hard-limit checkpoint, for the writer lock and for readers; the serving
// connection's writes queue behind it meanwhile, so the wait is kept short.
db.pragma(`busy_timeout = ${Number(busyTimeoutMs)}`);

const ACK_WAIT_MS = 50;
let wanted = false;
let awaitingAck = false;
let lastWasFollowUp = false;
/** @type {NodeJS.Timeout | null} */
let quiet = null;
/** @type {NodeJS.Timeout | null} */
let ackTimer = null;

parentPort.on('message', (message) => {
  if (message === 'stop') {
    if (quiet) clearTimeout(quiet);
    if (ackTimer) clearTimeout(ackTimer);
    db.close();
    parentPort.close();
    return;
  }
  if (message === 'ack') {
    acked();
    // Once writes pause, copy what they added since the last nudge, so that the next write
    // finds the WAL fully copied and starts it over. Not after a follow-up: an idle database
    // is left alone.
    if (!lastWasFollowUp) quiet = setTimeout(() => { quiet = null; request(true); }, quietMs);
  }
  if (message === 'nudge') request(false);
  else if (wanted) run();
});

/** @param {boolean} followUp */
function request(followUp) {
  if (!followUp && quiet) {
    clearTimeout(quiet);
    quiet = null;
  }
  lastWasFollowUp = followUp;
  wanted = true;
  run();
}

function acked() {
  awaitingAck = false;
  if (ackTimer) clearTimeout(ackTimer);
  ackTimer = null;
}

function run() {
  // Nudges that arrive meanwhile are served by one more checkpoint, not one each.
  if (awaitingAck || !wanted) return;
  wanted = false;
  awaitingAck = true;
  setImmediate(checkpoint);
}

function checkpoint() {
  if (!db.open) return;
  // PASSIVE copies what it can without waiting for anyone: the serving connection keeps
  // committing meanwhile, and readers keep the frames their snapshot needs.
  let mode = 'PASSIVE';
  let [result] = db.pragma('wal_checkpoint(PASSIVE)');
  if (result.log > hardLimitFrames) {
    // Not restarted for far too long (a reader keeps using the WAL): wait, briefly, for
    // writers and readers, copy everything and empty it.
    mode = 'TRUNCATE';
    [result] = db.pragma('wal_checkpoint(TRUNCATE)');
  }
  parentPort.postMessage({ mode, busy: result.busy, log: result.log, checkpointed: result.checkpointed });
  ackTimer = setTimeout(() => {
    acked();
    run();
  }, ACK_WAIT_MS);
}
