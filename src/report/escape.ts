// Escaping for each language a reporter writes: XML (JUnit), HTML, Markdown, GitHub workflow commands.
// Nothing is dropped: characters a format cannot carry are shown as `\u001b`, not silently removed.

// C0 controls other than tab, LF and CR, DEL, lone surrogates, U+FFFE and U+FFFF: XML 1.0 forbids them,
// and in HTML they show as garbage or nothing.
const UNPRINTABLE =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Replace characters that XML cannot hold (and that a reader cannot see) by `\uXXXX`. */
export function showUnprintable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Text content of an XML element; a carriage return as `&#13;`, or a parser would turn CRLF into LF. */
export function xmlText(text: string): string {
  return showUnprintable(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r/g, '&#13;');
}

/** An XML attribute value (double-quoted); newlines and tabs kept as character references. */
export function xmlAttr(text: string): string {
  return xmlText(text)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\n/g, '&#10;')
    .replace(/\t/g, '&#9;');
}

/** Text or a double-quoted attribute value in HTML (and inline SVG). */
export function html(text: string | number): string {
  return showUnprintable(String(text))
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * Markdown text that renders as written: Markdown punctuation backslash-escaped, HTML special characters
 * as entities, `@` as an entity so output such as `@team` never notifies anyone in a pull-request comment.
 */
export function mdText(text: string): string {
  return showUnprintable(text)
    .replace(/[\\`*_[\]|~]/g, (c) => `\\${c}`)
    .replace(/^(\s*)(#{1,6}|[+=-])(?=\s|$|[=-])/, '$1\\$2')
    .replace(/^(\s*\d+)([.)])(?=\s|$)/, '$1\\$2')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@/g, '&#64;')
    .replace(/\r?\n/g, '<br>');
}

/** Inline code on one line: a backtick fence longer than any run inside, newlines shown as ⏎. */
export function mdCode(text: string): string {
  const flat = showUnprintable(text).replace(/\r?\n/g, ' ⏎ ');
  if (flat === '') return '` `';
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || flat.startsWith(' ') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** A Markdown table cell: a pipe ends a cell even inside inline code, so escape it after formatting. */
export function mdCell(markdown: string): string {
  return markdown.replace(/\|/g, (_, offset: number, whole: string) =>
    whole[offset - 1] === '\\' ? '|' : '\\|',
  );
}

/** A fenced code block whose fence no line inside can close. */
export function mdFence(text: string, info = ''): string {
  const body = showUnprintable(text).replace(/\s+$/, '');
  const longest = Math.max(2, ...(body.match(/`{3,}/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${info}\n${body}\n${fence}`;
}

/** The message part of a GitHub workflow command (`::error ...::MESSAGE`). */
export function ghData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A property value of a GitHub workflow command (`title=VALUE`): also `:` and `,`. */
export function ghProperty(text: string): string {
  return ghData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
