// Package model is Rigel's client of an optional language model: an OpenAI-compatible
// chat-completions API (RIGEL_MODEL_URL, RIGEL_MODEL_NAME, its key in a file,
// RIGEL_MODEL_KEY_FILE). `/rigel fix` asks it only when a model is configured and Rigel's own
// rules have no fix for a workload (ops/fix_model.go), and again for a plain comment in
// Rigel's open fix pull request (ops/fix_model_followup.go); nothing else needs it.
//
// What it sends is a Context, bounded and redacted before it leaves (redact.go): no Secret
// objects, no Secret values Rigel knows of, nothing shaped like a token or a key, and never the
// model's own key. What it takes back is an Answer in the JSON schema the request names
// (answer.go): findings, the model's reasoning, and edits in the vocabulary of `set` (image,
// memory, cpu, replicas, env) or a patch of the workload's own document (values at JSON
// pointer paths) for one workload. The answer is only a proposal: package fix
// verifies it exactly as Rigel's own edits (fix/model_edits.go), and anything else is refused.
//
// A model that is slow, refuses, or answers what is not the schema ends in an *Error that
// says so; a failed request is retried at most once. See ../shared/DESIGN.md.
package model
