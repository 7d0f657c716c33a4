/**
 * The V8 flags `npm start` (package.json, which repeats them) and the benchmark's servers run with.
 *
 * `--max-semi-space-size=32`: a larger young generation than the default, so the few KB a call
 * allocates die young. 64 MB was chosen first (Nov 23: ~10 900 vs ~10 000 req/s against the
 * default, when usage records lived ≤ 250 ms); once records lived ≤ 25 ms (usage-codec.ts), 64 MB
 * made about one bench round in ten fall into a GC-bound spiral (scavenges of ~30 ms keeping
 * 20–30 MB alive, p99 35+ ms). In 12-round `darwaza bench` runs (wrk, 4 s rounds): 64 MB had 1–2
 * such rounds per run (medians 0.45–0.47 of raw); 32 MB none in 24 rounds (medians 0.47 and 0.49);
 * 16 MB none in 12 but slower rounds (median 0.45). (Records are now bytes off the heap, handed
 * over every 100 ms: docs/performance.md items 22 and 27; the young generation no longer holds them.)
 * 64 MB was tried again with records off the heap (24 Nov, AMD EPYC machine, two alternated pairs of
 * 6-round benches): 0.45 and 0.55 of raw against 0.61 and 0.58 with 32 MB, and one 64 MB run had a
 * p99 of 31 ms. 32 MB stays.
 *
 * `--no-parallel-scavenge`: young-generation collections run on the serving thread alone instead of
 * being split with V8's helper threads. With usage records no longer promoted (usage-codec.ts: held as bytes) a
 * scavenge copies little, and splitting it made the serving thread wait for helpers that a busy
 * machine did not schedule: with another process taking 30 ms of CPU every 100 ms, three one-round
 * benches gave 0.34 / 0.50 / 0.47 of raw with parallel scavenges (the first at p99 25 ms) and
 * 0.49 / 0.53 / 0.55 without; on a quiet machine six alternated pairs gave a mean of 0.45 vs 0.46.
 */
export const SERVE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32', '--no-parallel-scavenge'];
