// The shell of every HTML page ailab writes: one file, inline CSS, no script, no font or image to fetch.
// A Content-Security-Policy forbids every fetch, so a page that tried one would show it in the console.
import { html } from '../escape.js';

const CSS = `
:root{--fg:#1f2328;--muted:#59636e;--bg:#fff;--card:#f6f8fa;--line:#d1d9e0;--pass:#1a7f37;--fail:#cf222e;
--error:#9a6700;--skip:#818b98;--accent:#0969da;--track:#e6e9ed}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--bg:#0d1117;--card:#151b23;--line:#3d444d;
--pass:#3fb950;--fail:#f85149;--error:#d29922;--skip:#9198a1;--accent:#4493f8;--track:#262c36}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,
"Helvetica Neue",Arial,"Noto Sans",sans-serif}
main{max-width:1080px;margin:0 auto;padding:16px}
h1{font-size:1.45rem;margin:0 0 4px;overflow-wrap:anywhere}
h2{font-size:1.15rem;margin:28px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
h3{font-size:1.02rem;margin:18px 0 8px;overflow-wrap:anywhere}
.meta{color:var(--muted);margin:0;overflow-wrap:anywhere}
code,pre{font:13px/1.45 ui-monospace,SFMono-Regular,"SF Mono",Menlo,Consolas,"Liberation Mono",monospace}
code{background:var(--card);border:1px solid var(--line);border-radius:4px;padding:0 4px;overflow-wrap:anywhere;
white-space:pre-wrap}
pre{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:8px 10px;margin:6px 0;
white-space:pre-wrap;overflow-wrap:anywhere;max-height:24em;overflow:auto}
.overview{display:flex;flex-wrap:wrap;gap:16px;align-items:center;margin-top:16px}
.gauge{flex:0 0 auto;margin:0;width:220px;max-width:100%}
.gauge svg{display:block;width:100%;height:auto}
.facts{flex:1 1 260px;display:grid;grid-template-columns:repeat(auto-fill,minmax(120px,1fr));gap:8px}
.fact{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:8px 10px}
.fact b{display:block;font-size:1.2rem}
.fact>span{color:var(--muted);font-size:.85rem}
.badge{display:inline-block;white-space:nowrap;border-radius:999px;padding:1px 10px;font-weight:600;font-size:.85rem;color:#fff}
.badge.pass{background:var(--pass)}.badge.fail{background:var(--fail)}.badge.error{background:var(--error)}
.badge.skip{background:var(--skip)}
.message{margin:12px 0 0;padding:8px 12px;border-left:4px solid var(--line);background:var(--card);
overflow-wrap:anywhere}
.message.fail{border-color:var(--fail)}.message.pass{border-color:var(--pass)}.message.error{border-color:var(--error)}
ul.items{list-style:none;margin:0;padding:0}
.item{border:1px solid var(--line);border-left:4px solid var(--skip);border-radius:6px;padding:8px 12px;margin:8px 0;
background:var(--bg)}
.item.pass{border-left-color:var(--pass)}.item.fail{border-left-color:var(--fail)}
.item.error{border-left-color:var(--error)}
.item .head{display:flex;gap:8px;align-items:baseline}
.item .title{flex:1 1 0;font-weight:600;overflow-wrap:anywhere;min-width:0}
.item .side{color:var(--muted);font-size:.85rem;white-space:nowrap}
.icon{font-weight:700;width:1.1em;text-align:center;flex:0 0 auto}
.icon.pass{color:var(--pass)}.icon.fail{color:var(--fail)}.icon.error{color:var(--error)}.icon.skip{color:var(--skip)}
.item p{margin:4px 0;overflow-wrap:anywhere}
.item .msg{color:var(--muted)}
.item ul.checks{list-style:none;padding:0 0 0 8px;margin:6px 0 0}
dl.eo{display:grid;grid-template-columns:auto 1fr;gap:2px 10px;margin:6px 0}
dl.eo dt{color:var(--muted);font-size:.85rem}
dl.eo dd{margin:0;min-width:0}
.hint{background:color-mix(in srgb,var(--error) 12%,transparent);border-radius:6px;padding:4px 8px}
.hint b{color:var(--error)}
ul.asserts{margin:4px 0;padding-left:20px}
details>summary{cursor:pointer;color:var(--accent)}
.chart{width:100%;overflow:hidden}
.chart svg{display:block;width:100%}
svg text{fill:var(--fg);font:12px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif}
svg .muted{fill:var(--muted)}
svg .track{fill:var(--track)}
svg .axis{stroke:var(--line)}
svg .pass{fill:var(--pass)}svg .fail{fill:var(--fail)}svg .error{fill:var(--error)}svg .skip{fill:var(--skip)}
svg .accent{fill:var(--accent)}
.arc-track{stroke:var(--track)}.arc-pass{stroke:var(--pass)}.arc-fail{stroke:var(--fail)}
.arc-error{stroke:var(--error)}.arc-skip{stroke:var(--skip)}.tick{stroke:var(--fg)}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;border:1px solid var(--line);border-radius:6px}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border-bottom:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}
th{background:var(--card);font-weight:600}
td.num,th.num{text-align:right;white-space:nowrap}
table.matrix{width:auto;min-width:60%}
table.matrix th.check{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;max-height:14em;
overflow:hidden;text-overflow:ellipsis;padding:8px 4px}
table.matrix td.cell{text-align:center;font-weight:700;width:2.2em;color:#fff}
td.cell.pass{background:var(--pass)}td.cell.fail{background:var(--fail)}td.cell.error{background:var(--error)}
td.cell.skip{background:var(--skip)}td.cell.none{background:transparent;color:var(--muted)}
.legend{color:var(--muted);font-size:.85rem;margin:6px 0}
footer{color:var(--muted);font-size:.8rem;margin:32px 0 8px;overflow-wrap:anywhere}
.weeks{display:grid;grid-template-columns:repeat(auto-fill,minmax(64px,1fr));gap:6px;margin:12px 0}
.week{border-radius:6px;padding:6px;text-align:center;border:1px solid var(--line);background:var(--card);
color:inherit;text-decoration:none}
.week b{display:block}.week span{font-size:.8rem}
.week.pass{background:var(--pass);color:#fff;border-color:var(--pass)}
.week.fail{background:var(--fail);color:#fff;border-color:var(--fail)}
@media (max-width:600px){main{padding:10px}h1{font-size:1.2rem}.gauge{width:170px;margin:0 auto}
dl.eo{grid-template-columns:1fr}.hide-narrow{display:none}}
`;

/** A whole HTML document around `body`; `title` is plain text. */
export function renderPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="ailab">
<title>${html(title)}</title>
<link rel="icon" href="data:,">
<style>${CSS.trim()}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}
