/**
 * Mutated client-side SSH traffic for fuzzing the gateway's SSH listener, from a seeded generator so
 * a failing run replays with its seed. Pure: bytes and payloads out, no sockets.
 *
 * Two kinds:
 * - `RawMutant`: the bytes a client sends before any key is agreed (RFC 4253 §4.2 identification
 *   line, §6 binary packets in the clear, §7 KEXINIT, RFC 8731 ECDH init), with the identification
 *   line, packet and padding lengths, message types and name-lists mutated, or the whole stream
 *   havoc-edited; sent on a fresh TCP connection, cut at random points.
 * - `PayloadMutant`: one message payload (type byte first) that a carrier client encrypts and sends
 *   after a real key exchange, before authentication (RFC 4252) or after it (RFC 4254 channels and
 *   global requests), so the mutation reaches the parser and the gateway's own handlers instead of
 *   failing the MAC.
 * https://www.rfc-editor.org/rfc/rfc4253 · rfc4252 · rfc4254 · rfc8731
 */
import { randomBytesOf, type Rng } from "./frame-mutator.js";

export interface RawMutant {
  how: string;
  bytes: Buffer;
}

export interface PayloadMutant {
  how: string;
  payload: Buffer;
}

const MSG = { DISCONNECT: 1, IGNORE: 2, UNIMPLEMENTED: 3, DEBUG: 4, SERVICE_REQUEST: 5, KEXINIT: 20, NEWKEYS: 21, KEX_ECDH_INIT: 30, USERAUTH_REQUEST: 50, USERAUTH_INFO_RESPONSE: 61, GLOBAL_REQUEST: 80, CHANNEL_OPEN: 90, CHANNEL_WINDOW_ADJUST: 93, CHANNEL_DATA: 94, CHANNEL_EXTENDED_DATA: 95, CHANNEL_EOF: 96, CHANNEL_CLOSE: 97, CHANNEL_REQUEST: 98 } as const;

/** uint32 values that break arithmetic: zero, one, sign boundaries, all ones, and just past ssh2's 35,000-byte packet limit. */
const ABSURD_U32 = [0, 1, 3, 4, 7, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 35_001, 0x10000, 0x7fffffff, 0x80000000, 0xfffffff0, 0xffffffff];

// --- wire encoding (RFC 4251 §5) -------------------------------------------------------------------

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

export function sshString(value: string | Buffer): Buffer {
  const bytes = typeof value === "string" ? Buffer.from(value) : value;
  return Buffer.concat([u32(bytes.length), bytes]);
}

const bool = (v: boolean): Buffer => Buffer.from([v ? 1 : 0]);
const byte = (v: number): Buffer => Buffer.from([v & 0xff]);

/** A binary packet in the clear (before NEWKEYS): length, padding length, payload, padding to a multiple of 8, at least 4. */
export function plainPacket(payload: Buffer, options: { paddingLength?: number; packetLength?: number } = {}): Buffer {
  let padding = 8 - ((5 + payload.length) % 8);
  if (padding < 4) padding += 8;
  const body = Buffer.concat([byte(options.paddingLength ?? padding), payload, Buffer.alloc(padding, 0x5a)]);
  return Buffer.concat([u32(options.packetLength ?? body.length), body]);
}

// --- the cleartext phase ---------------------------------------------------------------------------

export const CLIENT_IDENT = "SSH-2.0-PortcullisFuzz_1.0";

/** What a client offers that ssh2's server accepts (the name-lists of KEXINIT, in order). */
const CLIENT_LISTS = [
  "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,diffie-hellman-group14-sha256,ext-info-c,kex-strict-c-v00@openssh.com",
  "ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256,ssh-rsa",
  "chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes128-ctr",
  "chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes128-ctr",
  "hmac-sha2-256-etm@openssh.com,hmac-sha2-256",
  "hmac-sha2-256-etm@openssh.com,hmac-sha2-256",
  "none,zlib@openssh.com",
  "none,zlib@openssh.com",
  "",
  "",
];

export function kexinitPayload(lists: readonly (string | Buffer)[] = CLIENT_LISTS, followsGuess = false): Buffer {
  return Buffer.concat([byte(MSG.KEXINIT), Buffer.alloc(16, 0x11), ...lists.map((l) => sshString(l)), bool(followsGuess), u32(0)]);
}

/** A curve25519 public key as the client's ECDH init (a fixed valid point: 9, the base point). */
export function ecdhInitPayload(key: Buffer = Buffer.concat([Buffer.from([9]), Buffer.alloc(31)])): Buffer {
  return Buffer.concat([byte(MSG.KEX_ECDH_INIT), sshString(key)]);
}

const identLine = (): Buffer => Buffer.from(`${CLIENT_IDENT}\r\n`);

/** A well-formed client opening: identification line, KEXINIT, ECDH init, NEWKEYS. */
export function validOpening(): Buffer {
  return Buffer.concat([identLine(), plainPacket(kexinitPayload()), plainPacket(ecdhInitPayload()), plainPacket(byte(MSG.NEWKEYS))]);
}

function printable(rng: Rng, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(rng.int(0x20, 0x7e));
  return s;
}

function mutateIdent(rng: Rng): RawMutant {
  const variants: Array<[string, () => Buffer]> = [
    ["random printable line", () => Buffer.from(`${printable(rng, rng.int(0, 300))}\r\n`)],
    ["random bytes", () => randomBytesOf(rng, rng.int(1, 600))],
    ["overlong identification line", () => Buffer.from(`SSH-2.0-${"A".repeat(rng.pick([250, 256, 1024, 8192, 9000, 40_000]))}${rng.chance(0.5) ? "\r\n" : ""}`)],
    ["protocol version 1.5", () => Buffer.from("SSH-1.5-OpenSSH_1.2.3\r\n")],
    ["protocol version 1.99", () => Buffer.concat([Buffer.from("SSH-1.99-old\r\n"), plainPacket(kexinitPayload())])],
    ["protocol version 3.0", () => Buffer.from("SSH-3.0-future\r\n")],
    ["lower-case ssh-2.0", () => Buffer.from("ssh-2.0-x\r\n")],
    ["empty software version", () => Buffer.concat([Buffer.from("SSH-2.0-\r\n"), plainPacket(kexinitPayload())])],
    ["NUL in the identification line", () => Buffer.from(`SSH-2.0-a\u0000b${printable(rng, rng.int(0, 20))}\r\n`)],
    ["non-ASCII in the identification line", () => Buffer.concat([Buffer.from("SSH-2.0-"), randomBytesOf(rng, rng.int(1, 40)).map((b) => b | 0x80), Buffer.from("\r\n")])],
    ["LF-only identification line", () => Buffer.concat([Buffer.from(`${CLIENT_IDENT}\n`), plainPacket(kexinitPayload())])],
    ["lines before the identification line", () => Buffer.concat([Buffer.from(`${printable(rng, 30)}\r\n`.repeat(rng.int(1, 300))), identLine(), plainPacket(kexinitPayload())])],
    ["CRLF flood", () => Buffer.from("\r\n".repeat(rng.int(10, 5000)))],
    ["comments after the software version", () => Buffer.concat([Buffer.from(`SSH-2.0-x ${printable(rng, rng.int(0, 240))}\r\n`), plainPacket(kexinitPayload())])],
    ["identification line twice", () => Buffer.concat([identLine(), identLine(), plainPacket(kexinitPayload())])],
  ];
  const [how, make] = rng.pick(variants);
  return { how: `ident: ${how}`, bytes: make() };
}

function mutateFraming(rng: Rng): RawMutant {
  const kexinit = plainPacket(kexinitPayload());
  const variants: Array<[string, () => Buffer]> = [
    ["absurd packet length", () => Buffer.concat([u32(rng.pick(ABSURD_U32)), kexinit.subarray(4, 4 + rng.int(0, kexinit.length - 4))])],
    ["unaligned packet length", () => Buffer.concat([u32(kexinit.length - 4 + rng.int(1, 7)), kexinit.subarray(4), randomBytesOf(rng, 8)])],
    ["padding length", () => plainPacket(kexinitPayload(), { paddingLength: rng.pick([0, 1, 3, 255, kexinit.length - 5, kexinit.length - 4, kexinit.length - 3]) })],
    ["empty payload", () => plainPacket(Buffer.alloc(0))],
    ["truncated packet then close", () => kexinit.subarray(0, rng.int(1, kexinit.length - 1))],
    ["random message type in the clear", () => plainPacket(Buffer.concat([byte(rng.int(0, 255)), randomBytesOf(rng, rng.int(0, 200))]))],
    ["many small packets", () => Buffer.concat(Array.from({ length: rng.int(2, 200) }, () => plainPacket(Buffer.concat([byte(rng.pick([MSG.IGNORE, MSG.DEBUG, MSG.UNIMPLEMENTED, rng.int(0, 255)])), randomBytesOf(rng, rng.int(0, 30))]))))],
    ["maximum-size IGNORE", () => plainPacket(Buffer.concat([byte(MSG.IGNORE), sshString(Buffer.alloc(34_900, 0x41))]))],
  ];
  const [how, make] = rng.pick(variants);
  return { how: `framing: ${how}`, bytes: Buffer.concat([identLine(), make()]) };
}

function mutateKexinit(rng: Rng): RawMutant {
  const lists: Array<string | Buffer> = [...CLIENT_LISTS];
  const at = rng.int(0, lists.length - 1);
  const variants: Array<[string, () => Buffer]> = [
    ["truncated", () => kexinitPayload().subarray(0, rng.int(1, kexinitPayload().length - 1))],
    ["name-list length past the packet", () => {
      const p = kexinitPayload();
      let offset = 17;
      for (let i = 0; i < at; i++) offset += 4 + p.readUInt32BE(offset);
      p.writeUInt32BE(rng.pick(ABSURD_U32), offset);
      return p;
    }],
    ["empty name-list", () => ((lists[at] = ""), kexinitPayload(lists))],
    ["no algorithm in common", () => ((lists[at] = "rot13-fuzz,none-such@example.com"), kexinitPayload(lists))],
    ["junk names", () => ((lists[at] = randomBytesOf(rng, rng.int(1, 300))), kexinitPayload(lists))],
    ["thousands of names", () => ((lists[at] = Array.from({ length: rng.int(500, 3000) }, (_, i) => `x${i}@fuzz`).join(",")), kexinitPayload(lists))],
    ["commas only", () => ((lists[at] = ",".repeat(rng.int(1, 500))), kexinitPayload(lists))],
    ["missing the trailing fields", () => kexinitPayload().subarray(0, kexinitPayload().length - rng.int(1, 5))],
    ["trailing garbage", () => Buffer.concat([kexinitPayload(), randomBytesOf(rng, rng.int(1, 100))])],
    ["first_kex_packet_follows with a wrong guess", () => Buffer.concat([kexinitPayload(lists, true)])],
  ];
  const [how, make] = rng.pick(variants);
  const extra = how.startsWith("first_kex") ? plainPacket(Buffer.concat([byte(MSG.KEX_ECDH_INIT), randomBytesOf(rng, rng.int(0, 80))])) : Buffer.alloc(0);
  const twice = rng.chance(0.1);
  return { how: `KEXINIT: ${how}${twice ? " (sent twice)" : ""}`, bytes: Buffer.concat([identLine(), plainPacket(make()), twice ? plainPacket(make()) : Buffer.alloc(0), extra]) };
}

function mutateKex(rng: Rng): RawMutant {
  const variants: Array<[string, () => Buffer]> = [
    ["ECDH key of a wrong length", () => plainPacket(ecdhInitPayload(randomBytesOf(rng, rng.pick([0, 1, 16, 31, 33, 64, 65, 133, 1000]))))],
    ["ECDH key length past the packet", () => plainPacket(Buffer.concat([byte(MSG.KEX_ECDH_INIT), u32(rng.pick(ABSURD_U32)), randomBytesOf(rng, 32)]))],
    ["all-zero ECDH key (low-order point)", () => plainPacket(ecdhInitPayload(Buffer.alloc(32)))],
    ["all-ones ECDH key", () => plainPacket(ecdhInitPayload(Buffer.alloc(32, 0xff)))],
    ["random ECDH key", () => plainPacket(ecdhInitPayload(randomBytesOf(rng, 32)))],
    ["NEWKEYS before ECDH init", () => plainPacket(byte(MSG.NEWKEYS))],
    ["KEX reply from the client", () => plainPacket(Buffer.concat([byte(31), randomBytesOf(rng, rng.int(0, 200))]))],
    ["ECDH init twice", () => Buffer.concat([plainPacket(ecdhInitPayload()), plainPacket(ecdhInitPayload())])],
    ["service request before keys", () => plainPacket(Buffer.concat([byte(MSG.SERVICE_REQUEST), sshString("ssh-userauth")]))],
    ["userauth before keys", () => plainPacket(Buffer.concat([byte(MSG.USERAUTH_REQUEST), sshString("alice+web"), sshString("ssh-connection"), sshString("none")]))],
    ["channel open before keys", () => plainPacket(Buffer.concat([byte(MSG.CHANNEL_OPEN), sshString("session"), u32(0), u32(0x200000), u32(0x8000)]))],
    ["NEWKEYS then cleartext", () => Buffer.concat([plainPacket(ecdhInitPayload()), plainPacket(byte(MSG.NEWKEYS)), plainPacket(Buffer.concat([byte(MSG.SERVICE_REQUEST), sshString("ssh-userauth")]))])],
    ["NEWKEYS then random ciphertext", () => Buffer.concat([plainPacket(ecdhInitPayload()), plainPacket(byte(MSG.NEWKEYS)), randomBytesOf(rng, rng.int(1, 2000))])],
  ];
  const [how, make] = rng.pick(variants);
  return { how: `kex: ${how}`, bytes: Buffer.concat([identLine(), plainPacket(kexinitPayload()), make()]) };
}

/** 1–8 random edits of a well-formed opening: bit flips, interesting bytes, insertions, deletions, duplications, truncation. */
function havoc(rng: Rng): RawMutant {
  let b = validOpening();
  const edits: string[] = [];
  for (let n = rng.int(1, 8); n > 0; n--) {
    const at = rng.int(0, Math.max(0, b.length - 1));
    const kind = rng.int(0, 5);
    if (kind === 0) {
      b = Buffer.from(b);
      b[at] = (b[at] ?? 0) ^ (1 << rng.int(0, 7));
      edits.push(`flip@${at}`);
    } else if (kind === 1) {
      b = Buffer.from(b);
      b[at] = rng.pick([0, 0xff, 0x7f, 0x80, 0x0d, 0x0a, 0x20]);
      edits.push(`set@${at}`);
    } else if (kind === 2) {
      b = Buffer.concat([b.subarray(0, at), randomBytesOf(rng, rng.int(1, 64)), b.subarray(at)]);
      edits.push(`insert@${at}`);
    } else if (kind === 3) {
      b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + rng.int(1, 64)))]);
      edits.push(`delete@${at}`);
    } else if (kind === 4) {
      const len = rng.int(1, 64);
      b = Buffer.concat([b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at + len)]);
      edits.push(`dup@${at}`);
    } else {
      b = b.subarray(0, at);
      edits.push(`truncate@${at}`);
    }
  }
  return { how: `havoc: ${edits.join(" ")}`, bytes: b };
}

/** One mutated cleartext opening, drawn across the kinds above. */
export function rawMutant(rng: Rng): RawMutant {
  return rng.pick([mutateIdent, mutateFraming, mutateKexinit, mutateKexinit, mutateKex, mutateKex, havoc, havoc, havoc])(rng);
}

/** `bytes` cut into 1–6 pieces at random offsets, so no parser can rely on how TCP chunks data. */
export function randomCuts(rng: Rng, bytes: Buffer): Buffer[] {
  const cuts = Array.from({ length: rng.int(0, 5) }, () => rng.int(0, bytes.length)).sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let last = 0;
  for (const c of [...cuts, bytes.length]) {
    if (c > last) pieces.push(bytes.subarray(last, c));
    last = c;
  }
  return pieces;
}

// --- after the key exchange ------------------------------------------------------------------------

/** A string that is hostile as a name, a password or a command: empty, huge, NUL, invalid UTF-8, control bytes. */
function hostileString(rng: Rng): Buffer {
  return rng.pick<() => Buffer>([
    () => Buffer.alloc(0),
    () => Buffer.from(printable(rng, rng.int(1, 64))),
    () => randomBytesOf(rng, rng.int(1, 200)),
    () => Buffer.alloc(rng.pick([1000, 20_000, 34_000]), 0x61),
    () => Buffer.from("alice+web\u0000root"),
    () => Buffer.from([0xc3, 0x28, 0xff, 0xfe]),
    () => Buffer.from("\u001b[2J\u001b]0;pwned\u0007\r\n"),
    () => Buffer.from("a+b+c+d"),
    () => Buffer.from("alice+" + "web".repeat(rng.int(1, 3000))),
    () => Buffer.from("eyJhbGciOiJFZERTQSJ9." + printable(rng, rng.int(0, 300)) + "." + printable(rng, rng.int(0, 100))),
  ])();
}

/** A length-prefixed string whose length lies: past the payload, zero, or absurd. */
function lyingString(rng: Rng, value: Buffer): Buffer {
  return Buffer.concat([u32(rng.pick([...ABSURD_U32, value.length + 1, value.length + 1000])), value]);
}

const maybeLying = (rng: Rng, value: Buffer): Buffer => (rng.chance(0.15) ? lyingString(rng, value) : sshString(value));

/** Messages a client may send after the keys and before it is authenticated, mutated (RFC 4252). */
export function preauthPayload(rng: Rng): PayloadMutant {
  const user = (): Buffer => (rng.chance(0.5) ? Buffer.from("alice+web") : hostileString(rng));
  const variants: Array<[string, () => Buffer]> = [
    ["service request", () => Buffer.concat([byte(MSG.SERVICE_REQUEST), maybeLying(rng, rng.chance(0.5) ? Buffer.from("ssh-userauth") : hostileString(rng))])],
    ["userauth none", () => Buffer.concat([byte(MSG.USERAUTH_REQUEST), maybeLying(rng, user()), sshString("ssh-connection"), sshString("none")])],
    ["userauth password", () => Buffer.concat([byte(MSG.USERAUTH_REQUEST), maybeLying(rng, user()), sshString(rng.chance(0.8) ? "ssh-connection" : hostileString(rng)), sshString("password"), bool(rng.chance(0.2)), maybeLying(rng, hostileString(rng)), ...(rng.chance(0.2) ? [maybeLying(rng, hostileString(rng))] : [])])],
    ["userauth password truncated", () => Buffer.concat([byte(MSG.USERAUTH_REQUEST), sshString(user()), sshString("ssh-connection"), sshString("password")]).subarray(0, rng.int(1, 40))],
    ["userauth keyboard-interactive", () => Buffer.concat([byte(MSG.USERAUTH_REQUEST), maybeLying(rng, user()), sshString("ssh-connection"), sshString("keyboard-interactive"), maybeLying(rng, hostileString(rng)), maybeLying(rng, hostileString(rng))])],
    ["info response unasked", () => Buffer.concat([byte(MSG.USERAUTH_INFO_RESPONSE), u32(rng.pick(ABSURD_U32)), ...Array.from({ length: rng.int(0, 4) }, () => maybeLying(rng, hostileString(rng)))])],
    ["userauth publickey", () => Buffer.concat([byte(MSG.USERAUTH_REQUEST), maybeLying(rng, user()), sshString("ssh-connection"), sshString("publickey"), bool(rng.chance(0.5)), maybeLying(rng, rng.chance(0.5) ? Buffer.from("ssh-ed25519") : hostileString(rng)), maybeLying(rng, randomBytesOf(rng, rng.int(0, 120))), ...(rng.chance(0.5) ? [maybeLying(rng, randomBytesOf(rng, rng.int(0, 120)))] : [])])],
    ["userauth hostbased", () => Buffer.concat([byte(MSG.USERAUTH_REQUEST), sshString(user()), sshString("ssh-connection"), sshString("hostbased"), randomBytesOf(rng, rng.int(0, 100))])],
    ["userauth unknown method", () => Buffer.concat([byte(MSG.USERAUTH_REQUEST), sshString(user()), sshString("ssh-connection"), maybeLying(rng, hostileString(rng)), randomBytesOf(rng, rng.int(0, 50))])],
    ["channel open before auth", () => Buffer.concat([byte(MSG.CHANNEL_OPEN), sshString("session"), u32(rng.int(0, 5)), u32(0x200000), u32(0x8000)])],
    ["global request before auth", () => Buffer.concat([byte(MSG.GLOBAL_REQUEST), sshString(rng.pick(["tcpip-forward", "keepalive@openssh.com", "no-more-sessions@openssh.com"])), bool(true), randomBytesOf(rng, rng.int(0, 30))])],
    ["rekey KEXINIT with junk", () => { const lists: Array<string | Buffer> = [...CLIENT_LISTS]; lists[rng.int(0, 9)] = hostileString(rng); return kexinitPayload(lists); }],
    ["ignore / debug / unimplemented", () => Buffer.concat([byte(rng.pick([MSG.IGNORE, MSG.DEBUG, MSG.UNIMPLEMENTED])), randomBytesOf(rng, rng.int(0, 300))])],
    ["disconnect", () => Buffer.concat([byte(MSG.DISCONNECT), u32(rng.pick(ABSURD_U32)), maybeLying(rng, hostileString(rng)), sshString("")])],
    ["random message", () => Buffer.concat([byte(rng.int(0, 255)), randomBytesOf(rng, rng.int(0, 300))])],
  ];
  const [how, make] = rng.pick(variants);
  return { how: `preauth: ${how}`, payload: make() };
}

/**
 * Commands whose exec is harmless: all but `true` are denied by the default policy (secrets, parse
 * errors), so nearly nothing reaches the target, where every exec costs a login shell.
 */
const FUZZ_COMMANDS = [...Array<string>(5).fill("cat /etc/shadow"), ...Array<string>(5).fill("cat ~/.ssh/id_ed25519"), ...Array<string>(5).fill("echo 'unterminated"), ...Array<string>(4).fill("echo $(("), "true"];

/**
 * Messages an authenticated client sends (RFC 4254): channel opens of every type, requests on session
 * channels (the gateway's own handlers: exec, shell, pty, env, signals, subsystems, forwarding) with
 * lying lengths, channel ids that were never opened, window overflows, data past the window.
 * `opened` is how many session channels this connection opened so far (the server numbers from 0).
 */
export function postauthPayload(rng: Rng, opened: number, senderBase: number): PayloadMutant {
  const recipient = (): number => (rng.chance(0.8) ? rng.int(0, Math.max(0, opened)) : rng.pick(ABSURD_U32));
  const want = (): Buffer => bool(rng.chance(0.7));
  const request = (name: string | Buffer, body: Buffer): Buffer => Buffer.concat([byte(MSG.CHANNEL_REQUEST), u32(recipient()), maybeLying(rng, typeof name === "string" ? Buffer.from(name) : name), want(), body]);
  // Only fixed, harmless commands (a lying length cuts them short, never into something else), and no
  // `shell` request: random bytes typed into a real shell on the target could run anything.
  const command = (): Buffer => Buffer.from(rng.pick(FUZZ_COMMANDS));
  const variants: Array<[string, number, () => Buffer]> = [
    ["open session", 6, () => Buffer.concat([byte(MSG.CHANNEL_OPEN), sshString("session"), u32(senderBase + opened), u32(rng.chance(0.8) ? 0x200000 : rng.pick(ABSURD_U32)), u32(rng.chance(0.8) ? 0x8000 : rng.pick(ABSURD_U32))])],
    ["open other type", 2, () => Buffer.concat([byte(MSG.CHANNEL_OPEN), maybeLying(rng, Buffer.from(rng.pick(["direct-tcpip", "forwarded-tcpip", "x11", "auth-agent@openssh.com", "direct-streamlocal@openssh.com", "tun@openssh.com"]))), u32(senderBase + 500 + rng.int(0, 99)), u32(0x200000), u32(0x8000), maybeLying(rng, hostileString(rng)), u32(rng.pick(ABSURD_U32)), sshString("127.0.0.1"), u32(rng.int(0, 65535))])],
    ["open junk type", 1, () => Buffer.concat([byte(MSG.CHANNEL_OPEN), maybeLying(rng, hostileString(rng)), u32(rng.pick(ABSURD_U32)), u32(rng.pick(ABSURD_U32)), u32(rng.pick(ABSURD_U32))])],
    ["exec", 5, () => request("exec", maybeLying(rng, command()))],
    ["exec without its command", 1, () => request("exec", Buffer.alloc(0))],
    ["pty-req", 3, () => request("pty-req", Buffer.concat([maybeLying(rng, Buffer.from(rng.pick(["xterm", "vt100", "", "x".repeat(3000)]))), u32(rng.pick(ABSURD_U32)), u32(rng.pick(ABSURD_U32)), u32(rng.pick(ABSURD_U32)), u32(rng.pick(ABSURD_U32)), maybeLying(rng, randomBytesOf(rng, rng.int(0, 100)))]))],
    ["window-change", 2, () => request("window-change", Buffer.concat([u32(rng.pick(ABSURD_U32)), u32(rng.pick(ABSURD_U32)), u32(rng.pick(ABSURD_U32)), u32(rng.pick(ABSURD_U32))]).subarray(0, rng.chance(0.8) ? 16 : rng.int(0, 15)))],
    ["env", 2, () => request("env", Buffer.concat([maybeLying(rng, hostileString(rng)), maybeLying(rng, hostileString(rng))]))],
    ["signal", 2, () => request("signal", maybeLying(rng, Buffer.from(rng.pick(["INT", "TERM", "KILL", "HUP", "SIGINT", "", "X".repeat(500)]))))],
    ["subsystem", 2, () => request("subsystem", maybeLying(rng, Buffer.from(rng.pick(["sftp", "netconf", "", "\u001b[31m", "x".repeat(5000)]))))],
    ["x11 / agent / break / eow / keepalive", 2, () => request(rng.pick(["x11-req", "auth-agent-req@openssh.com", "break", "eow@openssh.com", "keepalive@openssh.com", "exit-status", "exit-signal", "xon-xoff"]), randomBytesOf(rng, rng.int(0, 40)))],
    ["unknown request", 1, () => request(hostileString(rng), randomBytesOf(rng, rng.int(0, 40)))],
    ["data", 4, () => Buffer.concat([byte(MSG.CHANNEL_DATA), u32(recipient()), maybeLying(rng, randomBytesOf(rng, rng.pick([0, 1, 100, 4096, 32_768, 34_000])))])],
    ["extended data", 1, () => Buffer.concat([byte(MSG.CHANNEL_EXTENDED_DATA), u32(recipient()), u32(rng.pick([1, 2, 0xffffffff])), maybeLying(rng, randomBytesOf(rng, rng.int(0, 500)))])],
    ["window adjust", 2, () => Buffer.concat([byte(MSG.CHANNEL_WINDOW_ADJUST), u32(recipient()), u32(rng.pick(ABSURD_U32))])],
    ["eof", 2, () => Buffer.concat([byte(MSG.CHANNEL_EOF), u32(recipient())])],
    ["close", 2, () => Buffer.concat([byte(MSG.CHANNEL_CLOSE), u32(recipient())])],
    ["channel message truncated", 1, () => Buffer.concat([byte(rng.int(MSG.CHANNEL_OPEN, 100)), randomBytesOf(rng, rng.int(0, 3))])],
    ["global request", 2, () => Buffer.concat([byte(MSG.GLOBAL_REQUEST), maybeLying(rng, Buffer.from(rng.pick(["tcpip-forward", "cancel-tcpip-forward", "streamlocal-forward@openssh.com", "no-more-sessions@openssh.com", "keepalive@openssh.com", "hostkeys-prove-00@openssh.com"]))), bool(rng.chance(0.7)), maybeLying(rng, hostileString(rng)), u32(rng.pick(ABSURD_U32))])],
    ["userauth after auth", 1, () => Buffer.concat([byte(MSG.USERAUTH_REQUEST), sshString("bob+web"), sshString("ssh-connection"), sshString("password"), bool(false), sshString(hostileString(rng))])],
    ["random message", 1, () => Buffer.concat([byte(rng.int(0, 255)), randomBytesOf(rng, rng.int(0, 200))])],
  ];
  const total = variants.reduce((n, [, w]) => n + w, 0);
  let roll = rng.int(0, total - 1);
  const [how, , make] = variants.find(([, w]) => (roll -= w) < 0) ?? variants[0]!;
  return { how: `postauth: ${how}`, payload: make() };
}
