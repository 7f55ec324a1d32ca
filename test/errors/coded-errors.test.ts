import { test } from "uvu";
import * as assert from "uvu/assert";
import { UsageError } from "../../cli/command.js";
import { GatewayError } from "../../cli/gateway-client.js";
import { UnknownOptionError } from "../../engine/actions/sql/option-values.js";
import { ApprovalError } from "../../engine/approvals/errors.js";
import { AuditError } from "../../engine/audit/errors.js";
import { CodedError, messageOf, PortcullisError } from "../../engine/errors.js";
import { IdentityConfigError } from "../../engine/identity/validate-config.js";
import { MaskingError } from "../../engine/masking/errors.js";
import { RecordingError } from "../../engine/recording/errors.js";
import { LockedError } from "../../engine/storage/file-lock.js";
import { SignInError } from "../../proxy/console/sign-in.js";
import { HttpError } from "../../proxy/http/respond.js";
import { ProtocolError } from "../../proxy/postgres/protocol/frame-reader.js";
import { StartupOptionsError } from "../../proxy/postgres/protocol/startup-options.js";
import { UpstreamError } from "../../proxy/postgres/upstream/connect.js";

/**
 * Every error family shares one coded base: callers (the HTTP API, the CLI, the proxies) switch on a
 * stable `code`, never on a message, and `name` says which family it is.
 */

test("every family is a CodedError with a stable code and its class as name", () => {
  const cases: Array<[CodedError, string, string]> = [
    [new PortcullisError("CONFIG_INVALID", "bad"), "PortcullisError", "CONFIG_INVALID"],
    [new AuditError("AUDIT_LOG_CLOSED", "closed"), "AuditError", "AUDIT_LOG_CLOSED"],
    [new ApprovalError("NOT_FOUND", "no such request"), "ApprovalError", "NOT_FOUND"],
    [new RecordingError("RECORDING_NOT_FOUND", "gone"), "RecordingError", "RECORDING_NOT_FOUND"],
    [new MaskingError("UNKNOWN_STRATEGY", "what"), "MaskingError", "UNKNOWN_STRATEGY"],
    [new IdentityConfigError("identity.issuers[0]", "missing"), "IdentityConfigError", "IDENTITY_CONFIG_INVALID"],
    [new UnknownOptionError("EXPLAIN", "nonsense"), "UnknownOptionError", "UNKNOWN_OPTION"],
    [new LockedError("/tmp/x", 42), "LockedError", "LOCKED"],
    [new UpstreamError("down"), "UpstreamError", "TARGET_UNAVAILABLE"],
    [new StartupOptionsError("bad options"), "StartupOptionsError", "STARTUP_OPTIONS_INVALID"],
    [new ProtocolError("bad frame"), "ProtocolError", "PROTOCOL_VIOLATION"],
    [new HttpError(400, "invalid_request", "limit must be digits"), "HttpError", "invalid_request"],
    [new SignInError("no", "state mismatch"), "SignInError", "SIGN_IN_FAILED"],
    [new UsageError("unknown flag"), "UsageError", "USAGE"],
    [new GatewayError(403, "forbidden", "not yours"), "GatewayError", "forbidden"],
  ];
  for (const [error, name, code] of cases) {
    assert.ok(error instanceof CodedError, name);
    assert.ok(error instanceof Error, name);
    assert.is(error.name, name);
    assert.is(error.code, code, name);
    assert.is(messageOf(error), error.message);
  }
});

test("messageOf reads anything thrown: errors, strings, objects", () => {
  assert.is(messageOf(new Error("boom")), "boom");
  assert.is(messageOf("a string"), "a string");
  assert.is(messageOf({ code: 1 }), '{"code":1}');
  assert.is(messageOf(undefined), "undefined");
});

test.run();
