// ONTAP faults translated into Flint's error hierarchy at the client boundary: API
// failures carry ONTAP's errno, transport failures say what broke on the wire.
import { BackendError, type FlintErrorOptions } from '../../../../errors/errors.js';

/** ONTAP error numbers the driver reacts to (ZAPI errno; see notes/netapp-protocols.md). */
export const EAPIERROR = '13001';
export const EAPIPRIVILEGE = '13003';
export const EAPINOTFOUND = '13005';
export const EVOLUMEDOESNOTEXIST = '13040';
export const EINTERNALERROR = '13114';
export const EINVALIDINPUTERROR = '13115';
export const EDUPLICATEENTRY = '13130';
/** Not out-of-space: the FlexVol cannot honour its space guarantee. The driver never keys on it. */
export const EVOL_SPACE_FOR_GUARANTEE = '13062';
export const EOBJECTNOTFOUND = '15661';
export const EVSERVERNOTFOUND = '15698';
export const EVDISK_ERROR_NO_SUCH_INITGROUP = '9003';
export const EVDISK_ERROR_INITGROUP_EXISTS = '9004';
export const EVDISK_ERROR_INVALID_ISCSI_NAME = '9006';
export const EVDISK_ERROR_INITGROUP_HAS_NODE = '9008';
export const EVDISK_ERROR_VDISK_EXISTS = '9012';
export const EVDISK_ERROR_VDISK_EXPORTED = '9013';
export const EVDISK_ERROR_NO_SUCH_LUNMAP = '9016';
export const EVDISK_ERROR_NO_SUCH_VDISK = '9017';
/** The LUN is already mapped to that igroup. */
export const EVDISK_ERROR_INITGROUP_HAS_VDISK = '9023';
/** The LUN id asked for is taken in that igroup. */
export const EVDISK_ERROR_INITGROUP_HAS_LUN = '9024';
export const EVDISK_ERROR_INITGROUP_MAPS_EXIST = '9029';
export const EVDISK_ERROR_SIZE_TOO_LARGE = '9034';
export const EVDISK_ERROR_NO_SUCH_VOLUME = '9036';
export const EVDISK_ERROR_SIZE_TOO_SMALL = '9041';
export const EVDISK_ERROR_SIZE_UNCHANGED = '9042';
export const ESTATUSFAILED = 'ESTATUSFAILED';

/** status="failed": ONTAP refused the call. `code` is the errno (string, as ONTAP sends it). */
export class NaApiError extends BackendError {
  override readonly code = 'netapp_api_error';
  constructor(
    readonly errno: string,
    readonly reason: string,
    readonly api: string,
    opts: FlintErrorOptions = {},
  ) {
    // The filer's reason text stays in the log; the call and errno are safe to show.
    super(`NetApp API ${api} failed: errno ${errno}: ${reason}`, { safe: false, publicDetail: `NetApp API ${api} failed with errno ${errno}`, ...opts });
  }
}

/** The request never got an answer: connection refused/reset, TLS failure, timeout. */
export class NaTransportError extends BackendError {
  override readonly code: string = 'netapp_transport_error';
  constructor(
    readonly kind: 'connect' | 'reset' | 'timeout' | 'tls',
    message: string,
    opts: FlintErrorOptions = {},
  ) {
    super(message, { safe: false, retryable: kind !== 'tls', ...opts });
  }
}

/** The server answered with an HTTP error status instead of a ZAPI/REST body. */
export class NaHttpError extends BackendError {
  override readonly code: string = 'netapp_http_error';
  constructor(readonly status: number, message: string, opts: FlintErrorOptions = {}) {
    super(message, { safe: false, retryable: status >= 500, ...opts });
  }
}

/** HTTP 401: the login or password is wrong. Never retried; the password is never shown. */
export class NaAuthError extends NaHttpError {
  override readonly code = 'netapp_auth_error';
}

export function isNaApiError(e: unknown, ...errnos: string[]): e is NaApiError {
  return e instanceof NaApiError && (errnos.length === 0 || errnos.includes(e.errno));
}

/** ONTAP's translation of wire failures, handed to the shared NetApp HTTP transport. */
export const NA_WIRE_ERRORS = {
  transport: (kind: 'connect' | 'reset' | 'timeout' | 'tls', message: string, cause?: unknown) =>
    new NaTransportError(kind, message, cause === undefined ? {} : { cause }),
  http: (status: number, message: string) => new NaHttpError(status, message),
  auth: (message: string) => new NaAuthError(401, message),
};

/** ONTAP REST errors come as JSON with a 5xx status; those are API answers, not transport faults. */
export function isOntapRestErrorBody(text: string): boolean {
  return text.trimStart().startsWith('{"error"');
}
