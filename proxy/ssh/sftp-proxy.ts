import { posix } from "node:path";
import ssh2 from "ssh2";
import type { SFTPWrapper } from "ssh2";
import type { FileOperation } from "../../engine/actions/file/types.js";
import { fileRequestText, lexical } from "../../engine/actions/file/index.js";
import type { FileRequest, FileResult } from "../../engine/actions/types.js";
import { messageOf } from "../../engine/errors.js";
import { meterOf, type ByteMeter } from "../gate/byte-meter.js";
import { resultEvent, type ChannelSession } from "./channel-relay.js";
import { refusalMessage } from "./refusal-messages.js";

const { STATUS_CODE, OPEN_MODE } = ssh2.utils.sftp;

/** What the proxy remembers of a handle it handed out: which decided request it belongs to, and the bytes moved. */
interface OpenHandle {
  requestId: number;
  path: string;
  bytes: number;
  started: bigint;
  /** The decision's bytes per window for a read: what the client receives through this handle is cut where they end. */
  meter?: ByteMeter;
}

/**
 * Sends an exit status on the SFTP channel, as sshd does when its sftp-server exits: scp (which is
 * SFTP in OpenSSH 9) reports a session that ends without one as failed. ssh2 has no public method on
 * its server-side SFTP object for it; this is what its ServerChannel.exit() does.
 */
function exitStatus(sftp: SFTPWrapper, status: number): void {
  const channel = sftp as unknown as { _protocol?: { exitStatus(id: number, status: number): void }; outgoing?: { id: number; state: string } };
  if (channel._protocol && channel.outgoing?.state === "open") channel._protocol.exitStatus(channel.outgoing.id, status);
}

/** Operations that follow a symbolic link at the path itself (opening, changing attributes); the others act on the link. */
const FOLLOWS_LINK: ReadonlySet<FileOperation> = new Set(["read", "write", "setstat", "list"]);

/**
 * An SFTP subsystem (sftp, and scp in OpenSSH 9) proxied operation by operation: each open, remove,
 * rename, mkdir, rmdir, setstat, symlink and directory listing is a `file` request decided by the
 * gate, with its path as the target's own server resolves it (asked with realpath before deciding:
 * the home directory, `..` and symbolic links are the target's to say, not a guess). Reads and writes
 * on an allowed handle, stats and realpath pass through. A refusal answers that one request with
 * SFTP's permission-denied status and the reason; the session goes on.
 */
export function proxySftp(session: ChannelSession, client: SFTPWrapper, opening: Promise<SFTPWrapper>): void {
  // Handlers are attached at once (ssh2 answers requests nobody listens for as unsupported); each
  // waits for the target's SFTP session, and they resume in the order the requests came.
  let upstream!: SFTPWrapper;
  const ready = opening.then((opened) => {
    upstream = opened;
    upstream.on("close", () => client.end());
  });
  ready.catch((error: unknown) => {
    session.log(`session ${session.gate.caller.session.id}: the target's SFTP session could not open: ${messageOf(error)}`);
    client.end();
  });
  /** Runs `handler` once the target's SFTP session is there (at once, in order, after that). */
  const after = (reqid: number, handler: () => void): void => {
    ready.then(handler, () => client.status(reqid, STATUS_CODE.FAILURE, "Portcullis could not reach the target"));
  };
  const handles = new Map<string, OpenHandle>();
  /** The byte meters of allowed requests whose decision limits bytes, until their handle is open. */
  const meters = new Map<number, ByteMeter>();
  const failed = (reqid: number, error: unknown): void => {
    const code = (error as { code?: unknown }).code;
    client.status(reqid, typeof code === "number" ? code : STATUS_CODE.FAILURE, messageOf(error));
  };
  const done = (reqid: number) => (error: Error | null | undefined) => (error ? failed(reqid, error) : client.status(reqid, STATUS_CODE.OK));

  /** The absolute path `path` reaches on the target, as its server resolves it; undefined when it cannot say. */
  const resolve = async (path: string, follow: boolean): Promise<string | undefined> => {
    const real = (p: string): Promise<string | undefined> => new Promise((ok) => upstream.realpath(p, (error, absolute) => ok(error ? undefined : absolute)));
    if (follow) {
      const whole = await real(path);
      if (whole !== undefined) return whole;
    }
    const parent = await real(posix.dirname(path));
    return parent === undefined ? undefined : lexical(`${parent}/${posix.basename(path)}`);
  };

  /** Decides one file operation; resolves with its request number when allowed, or answers the refusal and resolves undefined. */
  const decide = async (reqid: number, operation: FileOperation, path: string, extra: { to?: string; mode?: FileRequest["mode"] } = {}): Promise<number | undefined> => {
    const started = process.hrtime.bigint();
    const resolved = await resolve(path, FOLLOWS_LINK.has(operation));
    const toResolved = operation === "rename" && extra.to !== undefined ? await resolve(extra.to, false) : undefined;
    if (resolved === undefined || (operation === "rename" && toResolved === undefined)) {
      client.status(reqid, STATUS_CODE.PERMISSION_DENIED, `Portcullis could not resolve ${JSON.stringify(resolved === undefined ? path : extra.to)} on the target, so it cannot decide`);
      return undefined;
    }
    const request: FileRequest = { kind: "file", text: fileRequestText(operation, path, extra.to), operation, path, ...extra };
    const paths: Record<string, string> = { [path]: resolved };
    if (extra.to !== undefined && toResolved !== undefined) paths[extra.to] = toResolved;
    let outcome;
    try {
      outcome = await session.gate.decide(request, { facts: { paths } });
    } catch (error) {
      client.status(reqid, STATUS_CODE.PERMISSION_DENIED, `Portcullis could not decide: ${messageOf(error)}`);
      return undefined;
    }
    if (outcome.ok) {
      const meter = meterOf(outcome);
      if (meter) meters.set(outcome.requestId, meter);
      return outcome.requestId;
    }
    const message = refusalMessage(outcome.refusal).trim();
    client.status(reqid, STATUS_CODE.PERMISSION_DENIED, message);
    if (outcome.requestId !== undefined) session.record(resultEvent(session, outcome.requestId, { error: { code: "PERMISSION_DENIED", message } }, started));
    return undefined;
  };

  /** Records how a decided operation ended. */
  const finished = (requestId: number, status: FileResult["status"], bytes: number, started: bigint): void => {
    session.record(resultEvent(session, requestId, { kind: "file", status, bytes }, started));
  };

  /** Runs a decided path operation upstream and answers with its status. */
  const pathOperation = (reqid: number, operation: FileOperation, path: string, run: (callback: (error: Error | null | undefined) => void) => void, to?: string): void => {
    const started = process.hrtime.bigint();
    void decide(reqid, operation, path, to === undefined ? {} : { to }).then((requestId) => {
      if (requestId === undefined) return;
      run((error) => {
        finished(requestId, error ? "error" : "ok", 0, started);
        done(reqid)(error);
      });
    });
  };

  client.on("OPEN", (reqid, filename, flags, attrs) =>
    after(reqid, () => {
      const started = process.hrtime.bigint();
      const writes = (flags & (OPEN_MODE.WRITE | OPEN_MODE.APPEND | OPEN_MODE.CREAT | OPEN_MODE.TRUNC)) !== 0;
      const mode: FileRequest["mode"] | undefined = !writes ? undefined : flags & OPEN_MODE.TRUNC ? "truncate" : flags & OPEN_MODE.APPEND ? "append" : flags & OPEN_MODE.CREAT ? "create" : "update";
      void decide(reqid, writes ? "write" : "read", filename, mode ? { mode } : {}).then((requestId) => {
        if (requestId === undefined) return;
        const meter = meters.get(requestId);
        meters.delete(requestId);
        upstream.open(filename, flags, attrs, (error, handle) => {
          if (error) {
            finished(requestId, "error", 0, started);
            return failed(reqid, error);
          }
          handles.set(handle.toString("hex"), { requestId, path: filename, bytes: 0, started, ...(meter ? { meter } : {}) });
          client.handle(reqid, handle);
        });
      });
    }),
  );
  client.on("READ", (reqid, handle, offset, length) =>
    after(reqid, () => {
      const open = handles.get(handle.toString("hex"));
      // Only a file handle an allowed open gave out is read or written through.
      if (!open) return client.status(reqid, STATUS_CODE.FAILURE, "Portcullis: not an open file handle");
      // Past the byte budget every read is refused; the read it ends in is answered short (SFTP allows that).
      if (open.meter?.cut) return client.status(reqid, STATUS_CODE.PERMISSION_DENIED, open.meter.message());
      upstream.read(handle, Buffer.alloc(length), 0, length, offset, (error, bytesRead, buffer) => {
        if (error) return failed(reqid, error);
        if (bytesRead === 0) return client.status(reqid, STATUS_CODE.EOF);
        const data = open.meter ? open.meter.pass(buffer.subarray(0, bytesRead)) : buffer.subarray(0, bytesRead);
        if (data.length === 0) return client.status(reqid, STATUS_CODE.PERMISSION_DENIED, open.meter!.message());
        open.bytes += data.length;
        client.data(reqid, data);
      });
    }),
  );
  client.on("WRITE", (reqid, handle, offset, data) =>
    after(reqid, () => {
      const open = handles.get(handle.toString("hex"));
      if (!open) return client.status(reqid, STATUS_CODE.FAILURE, "Portcullis: not an open file handle");
      upstream.write(handle, data, 0, data.length, offset, (error) => {
        if (!error) open.bytes += data.length;
        done(reqid)(error);
      });
    }),
  );
  client.on("CLOSE", (reqid, handle) =>
    after(reqid, () => {
      const key = handle.toString("hex");
      const open = handles.get(key);
      handles.delete(key);
      upstream.close(handle, (error) => {
        if (open?.meter?.cut) session.record(resultEvent(session, open.requestId, { error: { code: "PERMISSION_DENIED", message: open.meter.message() } }, open.started));
        else if (open) finished(open.requestId, error ? "error" : "ok", open.bytes, open.started);
        done(reqid)(error);
      });
    }),
  );
  client.on("FSTAT", (reqid, handle) => after(reqid, () => upstream.fstat(handle, (error, stats) => (error ? failed(reqid, error) : client.attrs(reqid, stats)))));
  client.on("FSETSTAT", (reqid, handle, attrs) =>
    after(reqid, () => {
      const open = handles.get(handle.toString("hex"));
      // A handle the gateway did not hand out (a directory's, or none) cannot be changed through it.
      if (!open) return client.status(reqid, STATUS_CODE.PERMISSION_DENIED, "Portcullis: setstat on this handle is not allowed");
      pathOperation(reqid, "setstat", open.path, (callback) => upstream.fsetstat(handle, attrs, callback));
    }),
  );
  client.on("OPENDIR", (reqid, path) =>
    after(reqid, () => {
      const started = process.hrtime.bigint();
      void decide(reqid, "list", path).then((requestId) => {
        if (requestId === undefined) return;
        upstream.opendir(path, (error, handle) => {
          finished(requestId, error ? "error" : "ok", 0, started);
          if (error) return failed(reqid, error);
          client.handle(reqid, handle);
        });
      });
    }),
  );
  client.on("READDIR", (reqid, handle) =>
    after(reqid, () =>
      upstream.readdir(handle, (error, list) => {
        if (error) return failed(reqid, error);
        client.name(reqid, list);
      }),
    ),
  );
  client.on("STAT", (reqid, path) => after(reqid, () => upstream.stat(path, (error, stats) => (error ? failed(reqid, error) : client.attrs(reqid, stats)))));
  client.on("LSTAT", (reqid, path) => after(reqid, () => upstream.lstat(path, (error, stats) => (error ? failed(reqid, error) : client.attrs(reqid, stats)))));
  client.on("REALPATH", (reqid, path) => after(reqid, () => upstream.realpath(path, (error, absolute) => (error ? failed(reqid, error) : client.name(reqid, [{ filename: absolute, longname: absolute, attrs: {} as never }])))));
  client.on("READLINK", (reqid, path) => after(reqid, () => upstream.readlink(path, (error, target) => (error ? failed(reqid, error) : client.name(reqid, [{ filename: target, longname: target, attrs: {} as never }])))));
  client.on("REMOVE", (reqid, path) => after(reqid, () => pathOperation(reqid, "remove", path, (callback) => upstream.unlink(path, callback))));
  client.on("RMDIR", (reqid, path) => after(reqid, () => pathOperation(reqid, "rmdir", path, (callback) => upstream.rmdir(path, callback))));
  client.on("MKDIR", (reqid, path, attrs) => after(reqid, () => pathOperation(reqid, "mkdir", path, (callback) => upstream.mkdir(path, attrs, callback))));
  client.on("SETSTAT", (reqid, path, attrs) => after(reqid, () => pathOperation(reqid, "setstat", path, (callback) => upstream.setstat(path, attrs, callback))));
  client.on("RENAME", (reqid, from, to) => after(reqid, () => pathOperation(reqid, "rename", from, (callback) => upstream.rename(from, to, callback), to)));
  client.on("SYMLINK", (reqid, linkPath, targetPath) => after(reqid, () => pathOperation(reqid, "symlink", linkPath, (callback) => upstream.symlink(targetPath, linkPath, callback), targetPath)));
  // The client ending its side (sftp's EOF at exit) ends the target's session and closes the channel,
  // as sshd's sftp-server does by exiting.
  const finish = (): void => {
    void ready.then(() => upstream.end(), () => undefined);
    exitStatus(client, 0);
    client.end();
  };
  client.once("end", finish);
  client.once("close", finish);
}
