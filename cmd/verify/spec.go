package main

import "attnclust/evalspec"

// evalUsage documents the input of "verify eval": the spec contract of
// package evalspec and the JSON Lines mode.
const evalUsage = evalspec.Usage + `JSON Lines: when the first non-blank line of the input is a complete JSON
  value on its own and another non-blank line follows, each non-blank line
  is one spec and is answered by one output line, in input order: the
  output object, or {"error": "...", "line": N} for a line that is not a
  valid spec or whose evaluation failed (the other lines go on). Otherwise
  the whole input is one spec, possibly spread over several lines.
  Batch exit status: 2 if any line was rejected, else 1 if any failed.
`
