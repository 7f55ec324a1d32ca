/**
 * Decodes the body of an ANSI-C quoted string (`$'…'`) as bash does
 * (https://www.gnu.org/software/bash/manual/html_node/ANSI_002dC-Quoting.html): `$'\x72m'` is `rm`.
 * A NUL ends the string, as it ends the C string bash builds.
 */
const SIMPLE: Record<string, string> = {
  a: "\x07", b: "\b", e: "\x1b", E: "\x1b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\", "'": "'", '"': '"', "?": "?",
};

export function decodeAnsiC(body: string): string {
  let out = "";
  let i = 0;
  while (i < body.length) {
    const c = body[i]!;
    if (c !== "\\" || i + 1 >= body.length) {
      out += c;
      i++;
      continue;
    }
    const e = body[i + 1]!;
    const simple = SIMPLE[e];
    if (simple !== undefined) {
      out += simple;
      i += 2;
      continue;
    }
    let m: RegExpExecArray | null;
    const rest = body.slice(i + 1);
    if ((m = /^[0-7]{1,3}/.exec(rest))) {
      out += String.fromCharCode(parseInt(m[0], 8) & 0xff);
      i += 1 + m[0].length;
    } else if ((m = /^x([0-9a-fA-F]{1,2})/.exec(rest))) {
      out += String.fromCharCode(parseInt(m[1]!, 16));
      i += 1 + m[0].length;
    } else if ((m = /^u([0-9a-fA-F]{1,4})/.exec(rest)) || (m = /^U([0-9a-fA-F]{1,8})/.exec(rest))) {
      const code = parseInt(m[1]!, 16);
      out += code <= 0x10ffff ? String.fromCodePoint(code) : "";
      i += 1 + m[0].length;
    } else if (e === "c" && i + 2 < body.length) {
      // \cx is the control character x & 0x1f; \c\\ consumes the doubled backslash.
      const x = body[i + 2]!;
      out += String.fromCharCode(x.toUpperCase().charCodeAt(0) & 0x1f);
      i += x === "\\" && body[i + 3] === "\\" ? 4 : 3;
    } else {
      out += c + e;
      i += 2;
    }
  }
  const nul = out.indexOf("\0");
  return nul < 0 ? out : out.slice(0, nul);
}
