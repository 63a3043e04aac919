import { describe, expect, it } from 'vitest';
import {
  ghData,
  ghProperty,
  html,
  mdCell,
  mdCode,
  mdFence,
  mdText,
  showUnprintable,
  xmlAttr,
  xmlText,
} from './escape.js';

describe('escaping', () => {
  it('shows characters XML cannot hold as \\uXXXX, keeping tab, newline, emoji and surrogate pairs', () => {
    expect(showUnprintable('a\u0000b\u0007c\u001b[0m\td\ne 🚀')).toBe('a\\u0000b\\u0007c\\u001b[0m\td\ne 🚀');
    expect(showUnprintable('lone \ud800 high, lone \udc00 low')).toBe('lone \\ud800 high, lone \\udc00 low');
  });

  it('escapes XML text and attributes', () => {
    expect(xmlText('<a & "b">')).toBe('&lt;a &amp; "b"&gt;');
    expect(xmlAttr(`x"y'z\nw\tv`)).toBe('x&quot;y&apos;z&#10;w&#9;v');
    expect(xmlText(']]>')).toBe(']]&gt;');
  });

  it('escapes HTML', () => {
    expect(html(`<script>alert('x')</script> & "q"`)).toBe(
      '&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;',
    );
    expect(html(42)).toBe('42');
  });

  it('writes Markdown that renders as written and mentions nobody', () => {
    expect(mdText('a *b* _c_ [d](e) `f` | g ~h~ \\ <i> & @team')).toBe(
      'a \\*b\\* \\_c\\_ \\[d\\](e) \\`f\\` \\| g \\~h\\~ \\\\ &lt;i&gt; &amp; &#64;team',
    );
    expect(mdText('# not a heading')).toBe('\\# not a heading');
    expect(mdText('- not a list')).toBe('\\- not a list');
    expect(mdText('1. not a list')).toBe('1\\. not a list');
    expect(mdText('0.1.0 is a version')).toBe('0.1.0 is a version');
    expect(mdText('line one\nline two')).toBe('line one<br>line two');
  });

  it('fences code with more backticks than it holds', () => {
    expect(mdCode('plain')).toBe('`plain`');
    expect(mdCode('a `b` c')).toBe('``a `b` c``');
    expect(mdCode('`edge`')).toBe('`` `edge` ``');
    expect(mdCode('one\ntwo')).toBe('`one ⏎ two`');
    expect(mdCode('')).toBe('` `');
    expect(mdFence('x\n```\ny')).toBe('````\nx\n```\ny\n````');
    expect(mdFence('x', 'json')).toBe('```json\nx\n```');
  });

  it('escapes pipes in a table cell, even inside code', () => {
    expect(mdCell('`a|b`')).toBe('`a\\|b`');
    expect(mdCell(mdText('a|b'))).toBe('a\\|b');
  });

  it('escapes GitHub workflow command data and properties', () => {
    expect(ghData('100% done\r\nnext: a, b')).toBe('100%25 done%0D%0Anext: a, b');
    expect(ghProperty('week-00: a, b')).toBe('week-00%3A a%2C b');
    expect(ghProperty('50%\n')).toBe('50%25%0A');
  });
});
