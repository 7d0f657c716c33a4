/**
 * The nesting bound every JSON body the system accepts is held to: arrays and objects at most
 * `MAX_JSON_DEPTH` levels deep (`[]` and `{}` are one level, `{"a":[1]}` two). 64 is far beyond
 * any network message or portal request (they nest three or four levels), and far below what
 * turns recursive work on a parsed value — JSON.stringify, structured clone to a worker thread,
 * schema validation — into "Maximum call stack size exceeded" (a few thousand levels).
 *
 * The bound is checked on the text, before JSON.parse, by one linear scan: JSON.parse itself
 * copes with any depth, but whatever walks its result afterwards may not. A body deeper than the
 * bound is refused with the error code `json_too_deep` (HTTP 400) by the gateway, the portal and
 * the OAuth endpoints alike.
 */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_SQUARE = 0x5b;
const CLOSE_SQUARE = 0x5d;
const OPEN_CURLY = 0x7b;
const CLOSE_CURLY = 0x7d;

/**
 * The deepest nesting of `[`/`{` in `text`, counting only brackets outside strings (a string runs
 * from a `"` to the next `"` not escaped by an odd run of backslashes). For valid JSON this is the
 * depth of the parsed value; for other text it is what the same scan sees (closers without an
 * opener are counted as they come, an unterminated string hides the rest). Stops, returning
 * `stopAbove + 1`, as soon as the depth exceeds `stopAbove`. Time linear in the text's length:
 * strings are skipped with `indexOf` (native) and every backslash is looked at at most once.
 */
export function jsonNestingDepth(text: string, stopAbove = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let j = i;
      for (;;) {
        j = text.indexOf('"', j + 1);
        if (j < 0) return deepest; // an unterminated string: the rest of the text is inside it
        // An odd run of backslashes right before the quote escapes it. The run cannot reach past
        // the opening quote (not a backslash), so each backslash is counted for one quote only.
        let k = j - 1;
        while (text.charCodeAt(k) === BACKSLASH) k--;
        if ((j - 1 - k) % 2 === 0) break;
      }
      i = j;
    } else if (c === OPEN_SQUARE || c === OPEN_CURLY) {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > stopAbove) return deepest;
      }
    } else if (c === CLOSE_SQUARE || c === CLOSE_CURLY) {
      depth--;
    }
  }
  return deepest;
}

/**
 * Whether `text` nests deeper than `max` (by `jsonNestingDepth`). Texts with at most `max` opening
 * brackets in all — nearly every body, whose brackets are counted with a few native `indexOf`
 * calls — cannot, and are not scanned character by character.
 */
export function exceedsJsonDepth(text: string, max = MAX_JSON_DEPTH): boolean {
  let opens = 0;
  for (let i = text.indexOf('{'); i >= 0 && opens <= max; i = text.indexOf('{', i + 1)) opens++;
  for (let i = text.indexOf('['); i >= 0 && opens <= max; i = text.indexOf('[', i + 1)) opens++;
  if (opens <= max) return false;
  return jsonNestingDepth(text, max) > max;
}
