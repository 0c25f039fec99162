// Package linediff computes line diffs of texts and renders them as unified diffs.
//
// It replaces go-difflib in the path of every preview: difflib's matcher is quadratic, and a
// 20,000-line object with scattered changes took seconds to diff (issue 14, "Big objects").
// The diff here is Myers' O(ND) algorithm in linear space (the middle snake, divide and
// conquer), after trimming the common prefix and suffix and setting aside the lines that
// appear on one side only (they can never match); a cut-off bounds the search on costly
// inputs, where the diff stays correct but may be longer than the shortest one.
//
// The unified output has difflib's exact format (headers, hunk ranges, context grouping), and
// an edit that could stand at several places over equal lines is placed where difflib places
// it (next to a change on the other side, else beside the longer equal range), so that
// ordinary edits read as difflib wrote them (TestSameAsDifflib; where difflib's longest-block
// matching pairs other lines, rarely, the script is as short but aligned differently).
package linediff
