// The one place errors become responses: OpenStack's fault body, safe messages only,
// validation and JSON parse failures as 400s that name the field.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { FlintError, InvalidInput, isFlintError } from '../errors/errors.js';
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
      message = err.safe ? err.message : internalMessage(requestId);
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

export function internalMessage(requestId: string): string {
  return `The server has either erred or is incapable of performing the requested operation. (request id ${requestId})`;
}

/** JSON parse failure as InvalidInput, saying where. */
export function malformedBody(e: unknown): FlintError {
  const detail = e instanceof Error ? e.message : String(e);
  return new InvalidInput(`Malformed request body: ${detail.slice(0, 200)}`);
}
