/**
 * The V8 flag `npm start` (package.json, which repeats it) and the benchmark's servers run with. A serving process allocates a few
 * KB per call that live for one usage flush (≤ 250 ms); with V8's default young generation those
 * objects are scavenged twice and promoted, so old-generation collections run far more often. A
 * 64 MB semi-space keeps them young: measured 7–13 % more calls per second for the gateway in three
 * alternated `darwaza bench` pairs (docs/performance.md), for up to ~190 MB more memory under load.
 */
export const SERVE_NODE_FLAGS = '--max-semi-space-size=64';
