import { round, type Summary } from "../support/stats.js";

/** How many times faster the WASM path is than each OPA baseline (throughput, and median latency). */
export interface Ratios {
  wasm_vs_opa_server_throughput: number;
  wasm_vs_opa_server_p50: number;
  wasm_vs_opa_server_c8_throughput: number;
  wasm_vs_opa_eval_throughput: number;
  wasm_vs_opa_eval_p50: number;
  decide_vs_opa_server_throughput: number;
  decide_vs_opa_server_p50: number;
}

function times(a: number, b: number): number {
  return b > 0 ? round(a / b, 1) : Number.NaN;
}

export function computeRatios(wasm: Summary, decide: Summary, server: Summary, serverC8: Summary, opaEval: Summary): Ratios {
  return {
    wasm_vs_opa_server_throughput: times(wasm.decisions_per_s, server.decisions_per_s),
    wasm_vs_opa_server_p50: times(server.p50_us, wasm.p50_us),
    wasm_vs_opa_server_c8_throughput: times(wasm.decisions_per_s, serverC8.decisions_per_s),
    wasm_vs_opa_eval_throughput: times(wasm.decisions_per_s, opaEval.decisions_per_s),
    wasm_vs_opa_eval_p50: times(opaEval.p50_us, wasm.p50_us),
    decide_vs_opa_server_throughput: times(decide.decisions_per_s, server.decisions_per_s),
    decide_vs_opa_server_p50: times(server.p50_us, decide.p50_us),
  };
}
