/**
 * The V8 flags `npm start` (package.json, which repeats them) and the benchmark's servers run with.
 * A serving process allocates a few KB per call that live until the next usage flush (≤ 250 ms);
 * with a 16 MB young generation many of them are scavenged twice and promoted, so old-generation
 * collections run more often. A 64 MB semi-space keeps them young: in four alternated pairs of
 * `darwaza bench --no-redis` runs (only the server's flag changed) the gateway's medians were
 * ~10 900 vs ~10 000 req/s and 102 vs 113 µs CPU per call, for up to ~190 MB more memory under load.
 *
 * `--no-parallel-scavenge`: young-generation collections run on the serving thread alone instead of
 * being split with V8's helper threads. With usage records no longer promoted (usage-codec.ts) a
 * scavenge copies little, and splitting it made the serving thread wait for helpers that a busy
 * machine did not schedule: with another process taking 30 ms of CPU every 100 ms, three one-round
 * benches gave 0.34 / 0.50 / 0.47 of raw with parallel scavenges (the first at p99 25 ms) and
 * 0.49 / 0.53 / 0.55 without; on a quiet machine six alternated pairs gave a mean of 0.45 vs 0.46.
 */
export const SERVE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64', '--no-parallel-scavenge'];
