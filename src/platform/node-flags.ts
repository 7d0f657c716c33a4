/**
 * The V8 flags `npm start` (package.json, which repeats them) and the benchmark's servers run with.
 * A serving process allocates a few KB per call that live until the next usage flush (≤ 250 ms);
 * with a 16 MB young generation many of them are scavenged twice and promoted, so old-generation
 * collections run more often. A 64 MB semi-space keeps them young: in four alternated pairs of
 * `darwaza bench --no-redis` runs (only the server's flag changed) the gateway's medians were
 * ~10 900 vs ~10 000 req/s and 102 vs 113 µs CPU per call, for up to ~190 MB more memory under load.
 */
export const SERVE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];
