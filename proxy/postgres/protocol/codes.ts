/** Protocol constants of PostgreSQL's v3 wire protocol and the SQLSTATEs the gateway answers with. */

export const PROTOCOL_3_0 = 196608;
export const SSL_REQUEST = 80877103;
export const GSSENC_REQUEST = 80877104;
export const CANCEL_REQUEST = 80877102;

/** Message types a client may send after startup. */
export const FRONTEND_TYPES: ReadonlySet<string> = new Set(["Q", "P", "B", "E", "D", "C", "H", "S", "X", "F", "d", "c", "f", "p"]);

export const SQLSTATE = {
  insufficientPrivilege: "42501",
  syntaxError: "42601",
  invalidPassword: "28P01",
  invalidAuthorization: "28000",
  protocolViolation: "08P01",
  connectionFailure: "08006",
  cannotConnectNow: "57P03",
  /** admin_shutdown: what pg_terminate_backend's victims get; here the identity behind the session ended. */
  adminShutdown: "57P01",
  tooManyConnections: "53300",
  idleSessionTimeout: "57P05",
  idleInTransactionSessionTimeout: "25P03",
  featureNotSupported: "0A000",
  invalidCatalogName: "3D000",
  queryCanceled: "57014",
  internalError: "XX000",
} as const;
