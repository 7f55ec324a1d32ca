import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import tar from "tar-stream";

/** Reads a gzipped tar (an OPA bundle) into memory: path (without the leading `/`) → bytes. */
export async function readTarGz(archive: Buffer, maxBytes = 256 * 1024 * 1024): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const extract = tar.extract();
  let total = 0;
  extract.on("entry", (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on("data", (data: unknown) => {
      const chunk = Buffer.isBuffer(data) ? data : Buffer.from(String(data));
      total += chunk.length;
      if (total > maxBytes) stream.destroy(new Error(`bundle larger than ${maxBytes} bytes`));
      else chunks.push(chunk);
    });
    stream.on("end", () => {
      if (header.type === "file") files.set(header.name.replace(/^\/+/, ""), Buffer.concat(chunks));
      next();
    });
    stream.on("error", next);
  });
  await pipeline(Readable.from([archive]), createGunzip(), extract);
  return files;
}
