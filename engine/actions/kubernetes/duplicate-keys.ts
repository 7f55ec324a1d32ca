/**
 * The first key an object in a JSON text names twice, or undefined. The apiserver's decoder (Go's,
 * case-sensitive) merges a repeated object member into the one before it — `"spec"` twice gives the
 * pod the first spec's hostNetwork and the second's containers, with the first's securityContext
 * laid over them — where JSON.parse keeps only the last. A body the two read differently is refused
 * rather than decided on the gateway's reading. `text` must already be valid JSON (JSON.parse
 * accepted it): only strings, brackets and commas are looked at.
 */
export function duplicateKey(text: string): string | undefined {
  const QUOTE = 0x22;
  const BACKSLASH = 0x5c;
  /** One open object (its keys, and whether the next string is a key) or array (null). */
  const stack: Array<{ keys: Set<string>; expectKey: boolean } | null> = [];
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let j = i + 1;
      let escaped = false;
      while (text.charCodeAt(j) !== QUOTE) {
        if (text.charCodeAt(j) === BACKSLASH) {
          escaped = true;
          j += 2;
        } else j++;
      }
      const top = stack[stack.length - 1];
      if (top?.expectKey) {
        // The key as decoded: "\u0073pec" is "spec".
        const key = escaped ? (JSON.parse(text.slice(i, j + 1)) as string) : text.slice(i + 1, j);
        if (top.keys.has(key)) return key;
        top.keys.add(key);
        top.expectKey = false;
      }
      i = j;
    } else if (c === 0x7b /* { */) stack.push({ keys: new Set(), expectKey: true });
    else if (c === 0x5b /* [ */) stack.push(null);
    else if (c === 0x7d /* } */ || c === 0x5d /* ] */) stack.pop();
    else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top) top.expectKey = true;
    }
  }
  return undefined;
}
