"""The report as one self-contained HTML page: no server to read it, no network to render it.

Rows are a case and a corpus; columns an engine, and within it each torch
build, side by side. A cell is pass, recorded (a difference recorded in
bc/cases.bzl, observed exactly), fail, skip or none (no result under that
build). Hovering a cell gives its first line; clicking it opens the detail:
the failure message with its numbers, and each loader's file, observation and
record (verdict, first failing release, reason). The summary at the top counts
each build's cells and lists every cell whose result or observation differs
from the first build's (today's).

Every text comes from the results as data (a JSON block the page's script reads
with textContent), never as markup: a failure message holding `<` stays text.
"""

import collections
import html
import itertools
import json
import os
import re

from bc import case_table
from bc.report.results import STATES, TODAY

SYMBOLS = {"pass": "\u2713", "recorded": "R", "fail": "\u2717", "skip": "\u2013", "none": "\u00b7"}
WORDS = {
    "pass": "pass",
    "recorded": "recorded difference",
    "fail": "failure",
    "skip": "skip",
    "none": "no result",
}

_STYLE = """
body { font: 13px/1.4 system-ui, sans-serif; margin: 16px; color: #1b1b1b; }
h1 { font-size: 18px; margin: 0 0 8px; }
h2 { font-size: 14px; margin: 18px 0 6px; }
table { border-collapse: collapse; }
th, td { border: 1px solid #c9c9c9; padding: 2px 6px; }
th { background: #f1f1f1; font-weight: 600; }
.grid td.cell { width: 22px; text-align: center; cursor: pointer; font-weight: 700; }
.grid th.row { text-align: left; font-weight: 400; white-space: nowrap; vertical-align: top; }
.grid td.na { background: #f4f4f4; }
.grid thead th { position: sticky; top: 0; }
.pass { background: #bfe5c8; color: #145a26; }
.recorded { background: #f6d66b; color: #5c4300; }
.fail { background: #d8453b; color: #ffffff; }
.skip { background: #d6d6d6; color: #444444; }
.none { background: #ffffff; color: #9a9a9a; }
.grid td.cell.selected { outline: 3px solid #1f5fbf; outline-offset: -3px; }
.chip { display: inline-block; min-width: 28px; padding: 0 6px; border-radius: 3px; text-align: center; }
#detail { position: fixed; right: 12px; top: 12px; width: 46%; max-height: 90vh; overflow: auto;
          background: #ffffff; border: 2px solid #1f5fbf; padding: 10px 12px; box-shadow: 0 4px 18px #0003; }
#detail[hidden] { display: none; }
#detail pre { white-space: pre-wrap; background: #f6f6f6; padding: 6px; margin: 4px 0; }
#detail .close { float: right; cursor: pointer; border: 0; background: none; font-size: 16px; }
ul.changes li { margin: 2px 0; }
p.note { color: #8a4b00; }
ul.changes a { cursor: pointer; color: #1f5fbf; }
"""

# Fills #detail from the data block when a cell is clicked; Escape or the close button hides it.
_SCRIPT = """
const DATA = JSON.parse(document.getElementById("data").textContent);
const detail = document.getElementById("detail");
function add(parent, tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (cls) node.className = cls;
  parent.appendChild(node);
  return node;
}
function show(cell) {
  const d = DATA[cell.id];
  document.querySelectorAll("td.selected").forEach(c => c.classList.remove("selected"));
  cell.classList.add("selected");
  detail.replaceChildren();
  const close = add(detail, "button", "\\u00d7", "close");
  close.onclick = () => { detail.hidden = true; };
  add(detail, "h2", d.heading);
  add(detail, "p", d.result_text, "chip " + d.result);
  if (d.build_text) add(detail, "p", d.build_text);
  if (d.message) add(detail, "pre", d.message, "message");
  for (const o of d.outcomes) {
    const box = add(detail, "div", null, "outcome");
    add(box, "h3", "loader " + o.loader + ": " + o.result, "chip " + o.result);
    add(box, "p", o.file);
    if (o.observed) { add(box, "p", "observed:"); add(box, "pre", o.observed); }
    if (o.record) {
      const r = o.record;
      add(box, "p", "record (bc/cases.bzl): verdict " + r.verdict + ", first failing " + r.first_failing +
          ", corpora " + r.corpora.join(", ") + ", engines " + (r.engines.length ? r.engines.join(", ") : "all"));
      add(box, "pre", r.observed, "recorded");
      add(box, "p", r.reason, "reason");
    }
    if (o.problems.length) add(box, "pre", o.problems.join("\\n"), "problems");
  }
  detail.hidden = false;
}
document.querySelectorAll("td.cell").forEach(cell => cell.addEventListener("click", () => show(cell)));
document.querySelectorAll("a[data-cell]").forEach(a => a.addEventListener("click", () => {
  const cell = document.getElementById(a.dataset.cell);
  cell.scrollIntoView({block: "center"});
  show(cell);
}));
document.addEventListener("keydown", ev => { if (ev.key === "Escape") detail.hidden = true; });
"""


def _signature(method):
    """What a build's cell says, to tell whether two builds differ: result, and each loader's observation."""
    if method is None:
        return ("none",)
    return (method["result"],) + tuple((o["loader"], o["result"], o["observed"]) for o in method.get("outcomes", []))


# Where a failure message places a problem (compare.Where): its first problem follows.
_PLACE = re.compile(r"^case \S+, engine \S+, loader (\S+), file (\S+):$")


def first_line(method):
    """A cell in one line: what each loader did, for a pass; for a failure its first problem, with the
    loader and file's name, or the message's first line past a traceback's."""
    if method is None:
        return "no result under this build"
    result = WORDS[method["result"]]
    if method["result"] in ("pass", "recorded") and not method.get("message"):
        loaders = ", ".join("%s %s" % (o["loader"], o["result"]) for o in method.get("outcomes", []))
        return "%s: %s" % (result, loaders) if loaders else result
    lines = [line.strip() for line in (method.get("message") or "").splitlines() if line.strip()]
    for index, line in enumerate(lines[:-1]):
        place = _PLACE.match(line)
        if place:
            return "%s: %s (%s): %s" % (result, place.group(1), os.path.basename(place.group(2)), lines[index + 1])
    told = [line for line in lines if not line.startswith(("Traceback", "File "))]
    return "%s: %s" % (result, told[0]) if told else result


def _moved_records(method):
    """The records (made under today's torch) that this build's observation does not equal."""
    return [o for o in (method or {}).get("outcomes", []) if o.get("record") and o["result"] == "fail"]


def _not_run(case, build):
    """Why a cell may have no result, and the command that gives it one."""
    command = "bazel test //bc:%s%s" % (case.name, "" if build.name == TODAY else " --config=" + build.name)
    if case.avx512_vnni_sensitive:
        return (
            "%s is skipped on AVX512-VNNI hosts unless asked for (bc/cases.bzl, avx512_vnni_sensitive): %s "
            "--//bc:avx512_vnni=false" % (case.name, command)
        )
    return "the test has not run under this build (or ran before it wrote results.json): %s" % command


def cell_detail(row, engine, build, method, table):
    result = method["result"] if method else "none"
    text = WORDS[result]
    if method is None and row.case in table.cases:
        text += ": " + _not_run(table[row.case], build)
    moved = _moved_records(method)
    if moved and build.name != TODAY:
        text += ": the record made under today's torch does not hold under %s (%s)" % (
            build.title,
            ", ".join("loader " + o["loader"] for o in moved),
        )
    return {
        "heading": "%s \u00b7 corpus %s \u00b7 %s \u00b7 %s" % (row.case, row.corpus, engine, build.title),
        "result": result,
        "result_text": text,
        "build_text": ", ".join(
            "%s %s" % (key, build.versions[key]) for key in ("torch_git", "torchao", "python", "host") if build.versions.get(key)
        ),
        "message": "" if method is None else method.get("message", ""),
        "outcomes": [] if method is None else method.get("outcomes", []),
    }


def _engines_of(case, table):
    if case in table.cases:
        return set(table[case].engines or (case_table.ENGINE_INDEPENDENT,))
    return None  # not in the table (an old result): whatever it holds


# A cell of build whose method differs from base, the first build's method for it (None: no result).
Change = collections.namedtuple("Change", "row engine build method base")


def summarize(builds, rows, engines, cells, table):
    """({build: {state: count}}, changes): changes are Change(row, engine, build, method, base method) for
    each cell whose result or observation differs from the first build's (today's, when it is there). A cell
    one of the two never ran (a flag left it out of that run) is no change: its grid cell says why."""
    counts = {build.name: dict.fromkeys(STATES, 0) for build in builds}
    changes = []
    for row in rows:
        own = _engines_of(row.case, table)
        for engine in engines:
            if own is not None and engine not in own:
                continue
            found = {build.name: cells.get((row, engine, build.name)) for build in builds}
            if own is None and not any(found.values()):
                continue
            for name, method in found.items():
                counts[name][method["result"] if method else "none"] += 1
            base = found[builds[0].name]
            changes += [
                Change(row, engine, name, method, base)
                for name, method in found.items()
                if method is not None and base is not None and _signature(method) != _signature(base)
            ]
    return counts, changes


def render(builds, rows, engines, cells, table, summary, notes=(), title="quant-bc compatibility report"):
    """The page's HTML text. summary: summarize()'s, which the caller reports too; notes: lines about where
    results were found (results.read_builds)."""
    counts, changes = summary
    data = {}
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"><title>%s</title><style>%s</style></head><body>'
        % (html.escape(title), _STYLE),
        "<h1>%s</h1>" % html.escape(title),
        _summary(builds, counts),
    ] + ['<p class="note">%s</p>' % html.escape(note) for note in notes]
    ids = {key: "c%d" % index for index, key in enumerate(itertools.product(rows, engines, [b.name for b in builds]))}
    out.append(_changes(builds, changes, ids))
    out.append(_legend())
    out.append(_grid(builds, rows, engines, cells, table, ids, data))
    out.append('<aside id="detail" hidden></aside>')
    # No "<" at all inside the script element: neither "</script>" nor "<!--" can end or change it.
    payload = json.dumps(data, sort_keys=True).replace("<", "\\u003c")
    out.append('<script type="application/json" id="data">%s</script>' % payload)
    out.append("<script>%s</script></body></html>" % _SCRIPT)
    return "\n".join(out) + "\n"


def _summary(builds, counts):
    head = "".join("<th>%s</th>" % WORDS[state] for state in STATES)
    lines = ['<h2>Torch builds</h2><table class="summary"><thead><tr><th>build</th><th>torch</th><th>torchao</th>'
             "<th>python</th><th>host</th>%s</tr></thead><tbody>" % head]
    for build in builds:
        v = build.versions
        chips = "".join(
            '<td><span class="chip %s" data-state="%s">%d</span></td>' % (state, state, counts[build.name][state])
            for state in STATES
        )
        texts = (build.name, _torch_text(v), v.get("torchao") or "-", v.get("python") or "-", v.get("host") or "-")
        lines.append(
            '<tr data-build="%s">%s%s</tr>'
            % (html.escape(build.name), "".join("<td>%s</td>" % html.escape(t) for t in texts), chips)
        )
    lines.append("</tbody></table>")
    return "".join(lines)


def _torch_text(versions):
    torch = versions.get("torch") or "-"
    git = versions.get("torch_git")
    text = "%s (git %s)" % (torch, git[:10]) if git and git != "Unknown" else torch
    wheel = versions.get("wheel")
    return "%s from %s, sha256 %s" % (text, wheel["file"], wheel["sha256"][:12]) if wheel else text


def _changes(builds, changes, ids):
    if len(builds) < 2:
        return ("<h2>Changed between builds</h2><p>One build only. Run <code>bazel test //bc/... --config=next</code>"
                " (or <code>--config=wheel</code>) and the report again to compare.</p>")
    if not changes:
        return '<h2>Changed between builds</h2><p class="nochange">Every cell is the same under every build.</p>'
    items = [
        '<li><a data-cell="%s">%s \u00b7 %s \u00b7 %s</a>: %s %s \u2192 %s %s</li>'
        % tuple(
            [ids[(change.row, change.engine, change.build)]]
            + [html.escape(text) for text in (change.row.case, change.row.corpus, change.engine, builds[0].name)]
            + [html.escape(first_line(change.base)), html.escape(change.build), html.escape(first_line(change.method))]
        )
        for change in changes
    ]
    return '<h2>Changed between builds (%d, against %s)</h2><ul class="changes">%s</ul>' % (
        len(items),
        html.escape(builds[0].name),
        "".join(items),
    )


def _legend():
    return "<p>%s</p>" % " ".join(
        '<span class="chip %s">%s</span> %s' % (state, SYMBOLS[state], WORDS[state]) for state in STATES
    )


def _grid(builds, rows, engines, cells, table, ids, data):
    top = "".join('<th colspan="%d">%s</th>' % (len(builds), html.escape(engine)) for engine in engines)
    second = "".join("<th>%s</th>" % html.escape(build.name) for _ in engines for build in builds)
    out = [
        '<h2>Cases</h2><table class="grid"><thead><tr><th rowspan="2">case</th><th rowspan="2">corpus</th>%s</tr>'
        "<tr>%s</tr></thead><tbody>" % (top, second)
    ]
    spans = collections.Counter(row.case for row in rows)
    previous = None
    for row in rows:
        own = _engines_of(row.case, table)
        tds = []
        for engine in engines:
            for build in builds:
                key = (row, engine, build.name)
                if own is not None and engine not in own:
                    tds.append('<td class="na"></td>')
                    continue
                method = cells.get(key)
                detail = cell_detail(row, engine, build, method, table)
                data[ids[key]] = detail
                tds.append(
                    '<td class="cell %s" id="%s" data-case="%s" data-corpus="%s" data-engine="%s" data-build="%s" title="%s">%s</td>'
                    % (
                        detail["result"],
                        ids[key],
                        html.escape(row.case),
                        html.escape(row.corpus),
                        html.escape(engine),
                        html.escape(build.name),
                        html.escape(first_line(method)),
                        SYMBOLS[detail["result"]],
                    )
                )
        # The case's name once, beside all of its corpora.
        name = "" if row.case == previous else '<th class="row" rowspan="%d">%s</th>' % (spans[row.case], html.escape(row.case))
        previous = row.case
        out.append('<tr>%s<th class="row">%s</th>%s</tr>' % (name, html.escape(row.corpus), "".join(tds)))
    out.append("</tbody></table>")
    return "".join(out)
