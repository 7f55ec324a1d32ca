/**
 * `npm run bench:policy`: the policy path measured side by side with OPA's own ways of deciding.
 * Prints a table as it goes; the last line is one JSON object with every figure.
 */
import { cpus } from "node:os";
import { buildBundle, effectOf, loadNormalizers, PolicyEvaluator, PortcullisError, type Effect } from "../../engine/index.js";
import { runOpa } from "../../engine/policy/opa-cli.js";
import { defaultPolicyDir } from "../../engine/paths.js";
import { buildCases } from "./cases.js";
import { compareDecisions, type Mismatch } from "./compare.js";
import { benchNormalize, soakNormalize } from "./normalize-bench.js";
import { runOpaEval } from "./opa-eval-bench.js";
import { runOpaBench } from "./opa-bench.js";
import { sqlActionCache } from "../../engine/actions/sql/index.js";
import { decisionCaching } from "../../engine/policy/decision-cache.js";
import { requestBodies, runServerPass } from "./opa-server-bench.js";
import { startOpaServer, type OpaServer } from "./opa-server.js";
import { snapshotPolicies } from "./policy-snapshot.js";
import { IDENTITIES, TARGETS } from "./principals.js";
import { computeRatios } from "./ratios.js";
import { round, usSince } from "../support/stats.js";
import { printHeader, printNote, printRow, printSection } from "./table.js";
import { benchDecide, benchEvaluate, benchRawSdk } from "./wasm-bench.js";
import { generateWorkload, templateCounts } from "./workload.js";

const STATEMENTS = 1200;
const WASM_PASSES = 5;
const DECIDE_PASSES = 3;
const NORMALIZE_PASSES = 5;
const OPA_EVAL_SAMPLES = 30;
const OPA_BENCH_SAMPLES = 12;
/** Issue 13's aim for one policy evaluation, p99. */
const EVALUATE_P99_AIM_US = 50;
const CONCURRENCY = 8;
const SOAK_NORMALIZATIONS = 1_000_000;
const SOAK_REPORT_EVERY = 250_000;

function showMismatches(label: string, mismatches: readonly Mismatch[]): void {
  printNote(`${label}: ${mismatches.length} mismatching decisions`);
  for (const m of mismatches.slice(0, 3)) {
    printNote(`  #${m.index} ${m.sql.slice(0, 100)}`);
    printNote(`    wasm ${m.wasm.slice(0, 300)}`);
    printNote(`    opa  ${m.opa.slice(0, 300)}`);
  }
}

async function main(): Promise<void> {
  const began = process.hrtime.bigint();
  const opaVersion = (await runOpa(["version"])).stdout.split("\n")[0]?.replace(/^Version:\s*/, "") ?? "unknown";
  console.log(`Portcullis policy benchmark — node ${process.version}, opa ${opaVersion}, ${cpus().length} CPUs`);

  const snapshot = await snapshotPolicies(defaultPolicyDir);
  let server: OpaServer | undefined;
  try {
    const bundle = await buildBundle(snapshot.dir, { revision: snapshot.revision });
    const evaluator = await PolicyEvaluator.load(bundle);
    await loadNormalizers();
    console.log(`policy ${defaultPolicyDir} (snapshot ${snapshot.dir}), revision ${bundle.revision}, wasm ${round(bundle.wasm.length / 1024, 0)} KiB`);

    // 1. The workload, normalized once per statement.
    const statements = generateWorkload(STATEMENTS);
    const cases = buildCases(statements);
    const bytes = statements.reduce((sum, s) => sum + Buffer.byteLength(s.sql), 0);
    const longest = statements.reduce((max, s) => Math.max(max, s.sql.length), 0);
    printSection("workload");
    printNote(`${statements.length} statements (${round(bytes / 1024, 0)} KiB, longest ${longest} chars) × ${IDENTITIES.length} identities × ${TARGETS.length} targets = ${cases.length} policy inputs`);
    printNote(templateCounts(statements).map(([name, n]) => `${name} ${n}`).join(", "));
    printNote(`identities: ${IDENTITIES.map((i) => `${i.subject} (${i.kind}; ${i.groups.join(",")})`).join(", ")}`);
    printNote(`targets: ${TARGETS.map((t) => `${t.name} (env ${t.tags.env ?? "-"})`).join(", ")}`);

    // 2. The gateway's path: WASM in process.
    printSection(`Portcullis WASM, in process (1 warm-up pass, then timed passes)`);
    printHeader();
    const wasm = benchEvaluate(evaluator, cases, WASM_PASSES);
    printRow(`evaluate() × ${WASM_PASSES} passes`, wasm.summary);
    const raw = await benchRawSdk(evaluator, cases, WASM_PASSES);
    printRow(`  bare SDK, no schema checks`, raw);
    // Every statement of the workload is distinct text: measured without the gateway's caches first
    // (what a statement never seen before costs), then with them (a shape seen before, other literals).
    sqlActionCache.enabled = false;
    decisionCaching.enabled = false;
    const decided = benchDecide(evaluator, cases, DECIDE_PASSES);
    printRow(`decide() = normalize+evaluate × ${DECIDE_PASSES}`, decided);
    sqlActionCache.enabled = true;
    decisionCaching.enabled = true;
    const decidedCached = benchDecide(evaluator, cases, DECIDE_PASSES);
    printRow(`  with the action and decision caches`, decidedCached);
    printNote(`action cache: ${JSON.stringify(sqlActionCache.stats)}`);
    const effects: Record<Effect, number> = { allow: 0, mask: 0, approval: 0, deny: 0 };
    for (const d of wasm.decisions) effects[effectOf(d)]++;
    const engineErrors = wasm.decisions.filter((d) => d.reasons.some((r) => /^(invalid policy input|policy evaluation failed|policy returned)/.test(r))).length;
    printNote(`decisions: allow ${effects.allow}, mask ${effects.mask}, approval ${effects.approval}, deny ${effects.deny}; engine fail-closed errors ${engineErrors}`);

    // 3. OPA server baseline over keep-alive loopback HTTP.
    printSection(`OPA server (opa run --server, same policy and data, keep-alive HTTP on 127.0.0.1)`);
    const startedAt = process.hrtime.bigint();
    server = await startOpaServer(snapshot.dir);
    printNote(`listening on 127.0.0.1:${server.port}, healthy after ${round(usSince(startedAt) / 1000, 0)} ms`);
    printHeader();
    const bodies = requestBodies(cases);
    await runServerPass(server.port, bodies, 1);
    const sequential = await runServerPass(server.port, bodies, 1);
    printRow(`POST /v1/data/…/decision, sequential`, sequential.summary);
    const concurrent = await runServerPass(server.port, bodies, CONCURRENCY);
    printRow(`  concurrency ${CONCURRENCY}`, concurrent.summary);
    const allIndices = cases.map((_, i) => i);
    const serverMismatches = compareDecisions(cases, wasm.decisions, allIndices, sequential.results);
    const concurrentMismatches = compareDecisions(cases, wasm.decisions, allIndices, concurrent.results);
    showMismatches(`OPA server vs WASM over all ${cases.length} inputs`, serverMismatches);
    if (concurrentMismatches.length > 0) showMismatches("OPA server (concurrent pass) vs WASM", concurrentMismatches);
    await server.stop();
    server = undefined;

    // 4. One `opa eval` process per decision.
    printSection(`opa eval per decision (one process each, input on stdin, ${OPA_EVAL_SAMPLES} sampled inputs)`);
    printHeader();
    const evaluated = await runOpaEval(snapshot.dir, cases, OPA_EVAL_SAMPLES);
    printRow(`opa eval -d policies -I`, evaluated.summary);
    const evalMismatches = compareDecisions(cases, wasm.decisions, evaluated.indices, evaluated.results);
    showMismatches(`opa eval vs WASM over ${evaluated.indices.length} inputs`, evalMismatches);

    // 4b. OPA's own benchmark of its Go evaluator, input by input.
    printSection(`opa bench (OPA's Go evaluator, query compiled once) vs WASM evaluate(), ${OPA_BENCH_SAMPLES} sampled inputs`);
    const opaBench = await runOpaBench(snapshot.dir, evaluator, cases, OPA_BENCH_SAMPLES);
    for (const s of opaBench.samples) printNote(`#${String(s.index).padStart(5)} ${s.template.padEnd(28)} opa bench ${String(s.opa_us).padStart(8)} µs/op   WASM ${String(s.wasm_us).padStart(7)} µs   ×${s.ratio}`);
    printNote(`median: opa bench ${opaBench.opa_median_us} µs/op, WASM evaluate() ${opaBench.wasm_median_us} µs: WASM ×${opaBench.median_ratio} faster`);

    // 5. Ratios.
    const ratios = computeRatios(wasm.summary, decided, sequential.summary, concurrent.summary, evaluated.summary);
    printSection("ratios (how many times faster Portcullis WASM is)");
    printNote(`vs OPA server, sequential: throughput ×${ratios.wasm_vs_opa_server_throughput}, p50 ×${ratios.wasm_vs_opa_server_p50}`);
    printNote(`vs OPA server, concurrency ${CONCURRENCY}: throughput ×${ratios.wasm_vs_opa_server_c8_throughput}`);
    printNote(`vs opa eval per decision: throughput ×${ratios.wasm_vs_opa_eval_throughput}, p50 ×${ratios.wasm_vs_opa_eval_p50}`);
    printNote(`decide() (with SQL normalization) vs OPA server (input already normalized): throughput ×${ratios.decide_vs_opa_server_throughput}, p50 ×${ratios.decide_vs_opa_server_p50}`);

    // 6. SQL normalization alone, then a soak for leaks.
    printSection(`SQL normalization (libpg_query WASM + analyser), per statement`);
    printHeader("stmts/s");
    sqlActionCache.enabled = false;
    const normalized = benchNormalize(statements, NORMALIZE_PASSES);
    printRow(`normalizeRequest() × ${NORMALIZE_PASSES} passes`, normalized);
    sqlActionCache.enabled = true;
    const normalizedCached = benchNormalize(statements, NORMALIZE_PASSES);
    printRow(`  with the action cache`, normalizedCached);
    printSection(`soak: ${SOAK_NORMALIZATIONS.toLocaleString("en-US")} normalizations cycling the workload`);
    // The soak looks for leaks in parsing and analysis, so it runs uncached as before.
    sqlActionCache.enabled = false;
    const soak = soakNormalize(statements, SOAK_NORMALIZATIONS, SOAK_REPORT_EVERY, (done, seconds, rss) => {
      printNote(`${done.toLocaleString("en-US").padStart(9)} done  ${seconds.toFixed(1).padStart(6)} s  RSS ${rss.toFixed(1)} MiB`);
    });
    printNote(`RSS ${soak.rss_before_mib} → ${soak.rss_after_mib} MiB (peak ${soak.rss_peak_mib}), ${soak.seconds} s, ${soak.per_s.toLocaleString("en-US")} normalizations/s`);

    const evaluateAim = { aim: `p99 ≤ ${EVALUATE_P99_AIM_US} µs`, p99_us: wasm.summary.p99_us, met: wasm.summary.p99_us <= EVALUATE_P99_AIM_US };
    printSection("issue 13: policy evaluation");
    printNote(`evaluate() p99 ${wasm.summary.p99_us} µs (aim ≤ ${EVALUATE_P99_AIM_US} µs): ${evaluateAim.met ? "met" : "NOT met"}; vs opa bench (Go): WASM ×${opaBench.median_ratio} faster (median over ${opaBench.samples.length} inputs)`);

    const totalSeconds = round(usSince(began) / 1e6, 1);
    console.log(`\ndone in ${totalSeconds} s`);
    const pick = (s: { decisions_per_s: number; p50_us: number; p99_us: number; mean_us: number; count: number }) => ({
      decisions_per_s: s.decisions_per_s,
      p50_us: s.p50_us,
      p99_us: s.p99_us,
      mean_us: s.mean_us,
      n: s.count,
    });
    const report = {
      bench: "policy",
      statements: statements.length,
      inputs: cases.length,
      identities: IDENTITIES.length,
      targets: TARGETS.length,
      effects,
      engine_errors: engineErrors,
      wasm: pick(wasm.summary),
      wasm_sdk_raw: pick(raw),
      decide: pick(decided),
      decide_cached: pick(decidedCached),
      opa_bench: opaBench,
      evaluate_p99_aim: evaluateAim,
      opa_server: { ...pick(sequential.summary), mismatches: serverMismatches.length, concurrency_8: pick(concurrent.summary), concurrency_8_mismatches: concurrentMismatches.length },
      opa_eval: { ...pick(evaluated.summary), samples: evaluated.indices.length, mismatches: evalMismatches.length },
      ratios,
      normalize: { per_s: normalized.decisions_per_s, p50_us: normalized.p50_us, p99_us: normalized.p99_us, mean_us: normalized.mean_us, n: normalized.count },
      normalize_cached: pick(normalizedCached),
      soak: { normalizations: soak.normalizations, rss_before_mib: soak.rss_before_mib, rss_after_mib: soak.rss_after_mib, rss_peak_mib: soak.rss_peak_mib, seconds: soak.seconds, per_s: soak.per_s },
      policy_revision: bundle.revision,
      node: process.version,
      opa: opaVersion,
      cpus: cpus().length,
      total_seconds: totalSeconds,
    };
    console.log(JSON.stringify(report));
  } finally {
    await server?.stop();
    snapshot.remove();
  }
}

main().catch((error: unknown) => {
  console.error(`bench:policy failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  if (error instanceof PortcullisError && error.detail) console.error(error.detail);
  process.exitCode = 1;
});
