// The one place errors become responses: OpenStack's fault body, safe messages only,
// validation and JSON parse failures as 400s that name the field.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { isFlintError } from '../errors/errors.js';
import type { Logger } from '../util/logger.js';

/** Cinder's fault names by status; anything else is a computeFault. */
const FAULT_NAMES: Record<number, string> = {
  400: 'badRequest', 401: 'unauthorized', 403: 'forbidden', 404: 'itemNotFound', 405: 'badMethod',
  409: 'conflictingRequest', 413: 'overLimit', 415: 'badMediaType', 501: 'notImplemented', 503: 'serviceUnavailable',
};

export function faultBody(status: number, message: string): Record<string, { code: number; message: string }> {
  return { [FAULT_NAMES[status] ?? 'computeFault']: { code: status, message } };
}

interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** `/volume/size` → `volume.size`; a required or unexpected property is named itself. */
export function describeValidationError(e: AjvError, context: string | undefined): string {
  const path = e.instancePath.split('/').filter(Boolean).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const where = context && context !== 'body' ? `${context} ` : '';
  if (e.keyword === 'required') {
    const field = [...path, String(e.params.missingProperty)].join('.');
    return `Invalid input for field/attribute ${where}${field}: it is required.`;
  }
  if (e.keyword === 'additionalProperties') {
    const field = [...path, String(e.params.additionalProperty)].join('.');
    return `Invalid input for field/attribute ${where}${field}: not a recognised field or action here.`;
  }
  const field = path.join('.') || (context ?? 'body');
  let detail = e.message ?? e.keyword;
  if (e.keyword === 'anyOf' || e.keyword === 'oneOf') detail = 'value has the wrong type or format';
  return `Invalid input for field/attribute ${where}${field}: ${detail}.`;
}

export function makeErrorHandler(logger: Logger | undefined) {
  return function handle(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) {
    const requestId = (req.ctx?.requestId ?? req.id) as string;
    const fe = err as FastifyError & { validation?: AjvError[]; validationContext?: string };
    let status: number;
    let message: string;
    if (fe.validation && fe.validation.length > 0) {
      status = 400;
      message = describeValidationError(fe.validation[0]!, fe.validationContext);
    } else if (isFlintError(err)) {
      status = err.httpStatus;
      message = err.safe ? err.message : internalMessage(requestId, err.publicDetail);
      if (status >= 500 || !err.safe) logger?.error({ err, requestId }, 'request failed');
    } else if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      // Fastify's own client errors (body too large, bad media type, bad JSON): their text is safe.
      status = fe.statusCode;
      message = fastifyClientMessage(fe);
    } else {
      status = 500;
      message = internalMessage(requestId);
      logger?.error({ err, requestId }, 'unexpected error');
    }
    if (status === 401 && !reply.hasHeader('www-authenticate')) reply.header('www-authenticate', 'Keystone uri="unknown"');
    reply.code(status).header('x-openstack-request-id', requestId).send(faultBody(status, message));
  };
}

function fastifyClientMessage(fe: FastifyError): string {
  switch (fe.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'Unsupported Content-Type: request bodies must be application/json (image uploads: application/octet-stream).';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'Request body is too large.';
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return 'Request body length does not match Content-Length.';
    default:
      return fe.message;
  }
}

/** The generic text for a private error, with the detail its raiser marked public. */
export function internalMessage(requestId: string, publicDetail?: string): string {
  const detail = publicDetail ? ` Detail: ${publicDetail}.` : '';
  return `The server has either erred or is incapable of performing the requested operation.${detail} (request id ${requestId})`;
}

/** Errors the router raises before any route or hook runs; the URL is never echoed. */
export function frameworkErrorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  let message: string;
  switch (err.code) {
    case 'FST_ERR_BAD_URL':
      message = 'Malformed URL: a percent-encoded sequence in the path is not valid.';
      break;
    case 'FST_ERR_MAX_PARAM_LENGTH':
      message = 'Malformed URL: a path segment is longer than 255 characters.';
      break;
    default:
      message = 'Malformed request.';
  }
  reply.code(400).header('x-openstack-request-id', req.id).send(faultBody(400, message));
}

/** Node's HTTP parser codes, as a reason a client may read. */
const HTTP_PARSE_REASONS: Record<string, string> = {
  HPE_INVALID_METHOD: 'unknown method', HPE_INVALID_URL: 'invalid request target', HPE_INVALID_VERSION: 'unsupported HTTP version',
  HPE_INVALID_HEADER_TOKEN: 'invalid header', HPE_INVALID_CONTENT_LENGTH: 'invalid Content-Length',
  HPE_UNEXPECTED_CONTENT_LENGTH: 'Content-Length together with Transfer-Encoding', HPE_INVALID_TRANSFER_ENCODING: 'invalid Transfer-Encoding',
  HPE_INVALID_CHUNK_SIZE: 'invalid chunk size', HPE_INVALID_CONSTANT: 'malformed request line', HPE_LF_EXPECTED: 'malformed line ending',
  HPE_CR_EXPECTED: 'malformed line ending', HPE_INVALID_EOF_STATE: 'request ended early', HPE_UNEXPECTED_SPACE: 'unexpected whitespace',
};

/** A CONNECT request (a proxy tunnel): Node hands it over as a socket; answered and closed. */
export function connectMethodHandler(_req: unknown, socket: Socket): void {
  const body = JSON.stringify(faultBody(405, 'The method CONNECT is not supported: this is the Block Storage API, not a proxy.'));
  socket.on('error', () => undefined);
  if (socket.writable) {
    socket.end(`HTTP/1.1 405 ${STATUS_CODES[405]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  } else {
    socket.destroy();
  }
}

/** Malformed HTTP that never became a request: answered on the socket with a fault body, then closed. */
export function httpClientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  let status = 400;
  let message: string;
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    status = 431;
    message = 'The request line and headers are too large (at most 16 KiB).';
  } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    status = 408;
    message = 'The request did not arrive in time.';
  } else {
    const reason = HTTP_PARSE_REASONS[err.code ?? ''];
    message = `Malformed HTTP request${reason ? `: ${reason}` : ''}.`;
  }
  const body = JSON.stringify(faultBody(status, message));
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy();
}
