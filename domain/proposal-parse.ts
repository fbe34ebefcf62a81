// Turning an LLM's text into a validated proposal answer. Pure: tolerant about the wrapping (code fences, leading
// prose, trailing commentary), strict about the content (zod schema). Safety limits (target, duration bounds,
// never-block) are NOT enforced here: that is the policy's job, and the raw wish is kept for the audit trail.
import { z } from 'zod';

export const llmAnswerSchema = z.strictObject({
  action: z.enum(['block', 'no_action']),
  /** The CIDR the model wants blocked; the policy always re-derives it from the workflow's IP. */
  target: z.string().max(100),
  duration_hours: z.number().finite().nonnegative(),
  reason: z.string().min(1).max(2000),
  confidence: z.number().min(0).max(1),
  recommend_permanent: z.boolean(),
  notes: z.string().max(2000),
});
export type LlmAnswer = z.infer<typeof llmAnswerSchema>;

/** The same contract as JSON Schema, in the subset strict structured-output modes accept (all keys required, no extras). */
export const LLM_ANSWER_JSON_SCHEMA: { name: string; schema: Record<string, unknown> } = {
  name: 'palisade_proposal',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['action', 'target', 'duration_hours', 'reason', 'confidence', 'recommend_permanent', 'notes'],
    properties: {
      action: { type: 'string', enum: ['block', 'no_action'] },
      target: { type: 'string', description: 'The single IP as /32 (IPv4) or /128 (IPv6)' },
      duration_hours: { type: 'number', description: 'Block duration in hours' },
      reason: { type: 'string', description: 'One or two sentences' },
      confidence: { type: 'number', description: '0..1' },
      recommend_permanent: { type: 'boolean' },
      notes: { type: 'string' },
    },
  },
};

export type ParseResult = { ok: true; answer: LlmAnswer } | { ok: false; failure: string };

/** Finds the first balanced top-level JSON object in `text` (skipping braces inside strings). */
export function extractJsonObject(text: string, from = 0): string | undefined {
  const start = text.indexOf('{', from);
  if (start < 0) return undefined;
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) return text.slice(start, i + 1);
    }
  }
  return undefined;
}

/**
 * Removes a Markdown code fence around the whole answer (```json ... ```), if present. Plain string operations, no
 * regex: the answer is attacker-influenced (prompt injection) and a backtracking pattern here stalled the process
 * for minutes on "```json" followed by a few thousand spaces.
 */
export function stripCodeFence(text: string): string {
  const t = text.trim();
  if (t.length < 6 || !t.startsWith('```') || !t.endsWith('```')) return text;
  let i = 3;
  while (i < t.length - 3 && isInfoStringChar(t.charCodeAt(i))) i++;
  return t.slice(i, t.length - 3).trim();
}

/** [A-Za-z0-9_-]: the language tag after the opening fence. */
const isInfoStringChar = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45;

const describeIssues = (err: z.ZodError) =>
  err.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');

/** How many "{" positions are tried before giving up (bounds the work on hostile output). */
const MAX_CANDIDATES = 20;

export function parseLlmAnswer(raw: string): ParseResult {
  const text = stripCodeFence(raw).trim();
  if (text.length === 0) return { ok: false, failure: 'empty response' };
  // The first balanced {...} that parses as a JSON object wins; prose before or after it is ignored.
  let firstError: string | undefined;
  let value: unknown;
  let found = false;
  for (let from = 0, tries = 0; tries < MAX_CANDIDATES; tries++) {
    const start = text.indexOf('{', from);
    if (start < 0) break;
    const candidate = extractJsonObject(text, start);
    if (!candidate) break;
    try {
      value = JSON.parse(candidate);
      found = true;
      break;
    } catch (err) {
      firstError ??= (err as Error).message.slice(0, 200);
      from = start + 1;
    }
  }
  if (!found) return { ok: false, failure: firstError ? `malformed JSON: ${firstError}` : 'no JSON object in the response' };
  const parsed = llmAnswerSchema.safeParse(value);
  if (!parsed.success) return { ok: false, failure: `schema violation: ${describeIssues(parsed.error)}` };
  return { ok: true, answer: parsed.data };
}
