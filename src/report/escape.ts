/**
 * Escaping for text placed in HTML and for data placed inside <script> elements.
 */

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/**
 * JSON for a `<script type="application/json">` element. `<`, `>` and `&` become \u escapes so
 * no string in the data can close the element (`</script>`) or open a comment; U+2028/2029 too,
 * for older JS parsers. Non-finite numbers, which JSON cannot hold, become the strings
 * "Infinity", "-Infinity" and "NaN" (a profit factor with no losing trade is Infinity).
 */
export function jsonForScript(value: unknown): string {
  const json = JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'number' && !Number.isFinite(v) ? String(v) : v,
  );
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Makes JavaScript source safe to inline in a <script> element: `</script` cannot appear in it
 * (it would end the element early). `<\/` means the same inside JS strings, regexes and comments.
 */
export function inlineScript(source: string): string {
  return source.replace(/<\/(script)/gi, '<\\/$1');
}
