import { setTimeout as sleep } from "node:timers/promises";

/**
 * Waits, when needed, until the current `seconds`-long window (aligned to the epoch, as the gateway's
 * budgets are) has at least `marginMs` left: a test counting against a budget must not have its
 * window reset halfway.
 */
export async function clearOfWindowEnd(seconds: number, marginMs = 10_000): Promise<void> {
  const length = seconds * 1000;
  const left = length - (Date.now() % length);
  if (left < marginMs) await sleep(left + 50);
}
