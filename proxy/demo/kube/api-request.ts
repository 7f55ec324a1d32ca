import { request } from "node:https";

export interface ApiResponse {
  status: number;
  body: string;
}

export interface ApiTarget {
  /** https://127.0.0.1:PORT */
  url: string;
  caPem: string;
}

/**
 * One request to the apiserver with a bearer token, answered in full. For the harness's own set-up
 * and polling, where kubectl's start-up and discovery would cost more than the request itself.
 */
export function apiRequest(target: ApiTarget, token: string, method: string, path: string, body?: unknown, timeoutMs = 10_000): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = request(
      new URL(path, target.url),
      {
        method,
        ca: target.caPem,
        timeout: timeoutMs,
        headers: {
          authorization: `Bearer ${token}`,
          accept: "application/json",
          ...(payload ? { "content-type": "application/json", "content-length": String(payload.length) } : {}),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (d: string) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer in ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(payload);
  });
}

/** Creates an object by POSTing it to its collection; an object that already exists is not an error. */
export async function createObject(target: ApiTarget, token: string, collectionPath: string, object: unknown): Promise<void> {
  const res = await apiRequest(target, token, "POST", collectionPath, object);
  if (res.status !== 201 && res.status !== 200 && res.status !== 409) {
    throw new Error(`POST ${collectionPath} answered ${res.status}: ${res.body}`);
  }
}
