// E-Series faults translated into Flint's error hierarchy at the client boundary: an API
// refusal carries the HTTP status and SANtricity's retcode; 424 means the array is offline;
// wire failures say what broke. The array's own message text stays in the log.
import { BackendError, type FlintErrorOptions } from '../../../errors/errors.js';
import type { WireErrors, WireFaultKind } from '../common/http-transport.js';

/** retcodes that mean the array password Web Services holds is wrong (Cinder's client). */
export const PASSWORD_RETCODES = ['30', 'authFailPassword'];

/** The array refused a call (HTTP >= 300 with a body). */
export class EsApiError extends BackendError {
  override readonly code: string = 'eseries_api_error';
  constructor(
    readonly status: number,
    readonly retcode: string | null,
    readonly detail: string,
    readonly api: string,
    opts: FlintErrorOptions = {},
  ) {
    super(`E-Series ${api} failed: HTTP ${status}${retcode ? ` retcode ${retcode}` : ''}: ${detail}`, {
      safe: false, publicDetail: `E-Series ${api} failed with HTTP ${status}${retcode ? ` (${retcode})` : ''}`, ...opts,
    });
  }
}

/** 422 with retcode 30 / authFailPassword: netapp_sa_password does not open the array. */
export class EsPasswordError extends EsApiError {
  override readonly code = 'eseries_password_error';
}

/** HTTP 424: the storage system is offline (Web Services cannot reach the controllers). Retryable later. */
export class EsOfflineError extends EsApiError {
  override readonly code = 'eseries_offline';
  /** The backend is unavailable for now, not broken: 503 tells a client to come back. */
  override readonly httpStatus = 503;
  constructor(detail: string, api: string) {
    super(424, null, detail, api, { retryable: true, publicDetail: `E-Series storage system is offline (${api})` });
  }
}

export class EsTransportError extends BackendError {
  override readonly code = 'eseries_transport_error';
  constructor(readonly kind: WireFaultKind, message: string, opts: FlintErrorOptions = {}) {
    super(message, { safe: false, retryable: kind !== 'tls', ...opts });
  }
}

export class EsHttpError extends BackendError {
  override readonly code: string = 'eseries_http_error';
  constructor(readonly status: number, message: string, opts: FlintErrorOptions = {}) {
    super(message, { safe: false, retryable: status >= 500, ...opts });
  }
}

/** HTTP 401: netapp_login / netapp_password are wrong. Never retried. */
export class EsAuthError extends EsHttpError {
  override readonly code = 'eseries_auth_error';
}

export const ES_WIRE_ERRORS: WireErrors = {
  transport: (kind, message, cause) => new EsTransportError(kind, message, cause === undefined ? {} : { cause }),
  http: (status, message) => new EsHttpError(status, message),
  auth: (message) => new EsAuthError(401, message),
};

export function isEsApiError(e: unknown, status?: number, ...retcodes: string[]): e is EsApiError {
  return e instanceof EsApiError && (status === undefined || e.status === status) && (retcodes.length === 0 || retcodes.includes(e.retcode ?? ''));
}
