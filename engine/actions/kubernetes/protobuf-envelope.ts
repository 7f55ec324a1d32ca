/**
 * What the gateway reads of a protobuf body: only its envelope and the object's metadata name and
 * namespace. Kubernetes wraps a protobuf object as the magic `k8s\0` followed by a runtime.Unknown
 * message (typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2); every top-level API object has its
 * ObjectMeta as field 1 (name = 1, namespace = 3).
 * https://kubernetes.io/docs/reference/using-api/api-concepts/#protobuf-encoding
 */

export interface EnvelopeFacts {
  api_version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
}

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** Length-delimited fields (wire type 2) of one message by field number, first occurrence; undefined when malformed. */
function fields(message: Buffer): Map<number, Buffer> | undefined {
  const found = new Map<number, Buffer>();
  let at = 0;
  const varint = (): number | undefined => {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (at >= message.length) return undefined;
      const byte = message[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
    return undefined;
  };
  while (at < message.length) {
    const key = varint();
    if (key === undefined) return undefined;
    const wire = key & 7;
    const field = Math.floor(key / 8);
    if (wire === 0) {
      if (varint() === undefined) return undefined;
    } else if (wire === 2) {
      const length = varint();
      if (length === undefined || at + length > message.length) return undefined;
      if (!found.has(field)) found.set(field, message.subarray(at, at + length));
      at += length;
    } else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else return undefined;
  }
  return at === message.length ? found : undefined;
}

/** The envelope's type and the object's name and namespace; undefined when the body is not a Kubernetes protobuf envelope. */
export function readProtobufEnvelope(body: Buffer): EnvelopeFacts | undefined {
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const unknown = fields(body.subarray(MAGIC.length));
  if (!unknown) return undefined;
  const facts: EnvelopeFacts = {};
  const typeMeta = unknown.get(1) && fields(unknown.get(1)!);
  if (typeMeta?.get(1)) facts.api_version = typeMeta.get(1)!.toString("utf8");
  if (typeMeta?.get(2)) facts.kind = typeMeta.get(2)!.toString("utf8");
  const raw = unknown.get(2) && fields(unknown.get(2)!);
  const metadata = raw?.get(1) && fields(raw.get(1)!);
  if (metadata?.get(1)) facts.name = metadata.get(1)!.toString("utf8");
  if (metadata?.get(3)) facts.namespace = metadata.get(3)!.toString("utf8");
  return facts;
}
