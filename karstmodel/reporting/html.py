"""One self-contained HTML report (``report.html``) per run, validation, calibration or scenario: the figures
embedded as base64 PNG, the summary tables and the provenance of the result (karstmodel version and git commit,
the input files with their SHA-256, the PHREEQC database with its provenance note, the command line and the time).

The file needs nothing else: no external URL, style sheet, script or font, so it opens offline and can be sent by
mail. A Content-Security-Policy ``<meta>`` forbids every request except ``data:`` images, so a report can never
load anything from the network even if a later edit adds a link. A short inline script marks on ``<body>`` how many
figures rendered (``data-images-rendered`` of ``data-images-total``), how many resources the page fetched
(``data-resources-fetched``) and how many requests the policy blocked (``data-requests-blocked``); the test suite
reads them from a headless browser. No science here.
"""
from __future__ import annotations

import base64
import hashlib
import html
import importlib.metadata
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from chemistry.database import DATABASE_DIR, database_path

from ..io.files import _atomic_write


@dataclass(frozen=True)
class Table:
    """A table of text cells: ``header`` names the columns, each row has one cell per column."""
    header: tuple
    rows: tuple
    caption: str = ""


@dataclass(frozen=True)
class Section:
    """A titled part of the report: paragraphs (plain text, escaped), tables, then figures ((caption, PNG path))."""
    title: str
    paragraphs: tuple = ()
    tables: tuple = ()
    figures: tuple = field(default=())


def file_record(role: str, path) -> dict:
    """``{"role", "path", "bytes", "sha256"}`` of one input file (``sha256`` None for a missing file)."""
    p = Path(path)
    if not p.is_file():
        return {"role": role, "path": str(p), "bytes": None, "sha256": None}
    digest = hashlib.sha256()
    with open(p, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return {"role": role, "path": str(p.resolve()), "bytes": p.stat().st_size, "sha256": digest.hexdigest()}


def database_record(name: str = "phreeqc.dat") -> dict:
    """The PHREEQC database a run used: its file record and the provenance note of a database shipped in
    ``chemistry/databases`` (the row of its ``PROVENANCE.md`` table and the licence line), or a note that a user's
    own file has none."""
    rec = file_record("PHREEQC database", database_path(name))
    note = "a user's database file: no provenance note shipped with karstmodel"
    prov = DATABASE_DIR / "PROVENANCE.md"
    if Path(rec["path"]).parent == DATABASE_DIR.resolve() and prov.is_file():
        text = prov.read_text(encoding="utf-8")
        row = next((line for line in text.splitlines() if line.startswith(f"| `{Path(rec['path']).name}`")), None)
        # the licence paragraph: from the line starting "Licence:" to the next blank line
        paragraphs = [" ".join(p.split()) for p in text.split("\n\n")]
        licence = next((p for p in paragraphs if p.startswith("Licence:")), "")
        if row is not None:
            cells = [c.strip().replace("`", "") for c in row.strip().strip("|").split("|")]
            check = "matches this file" if cells[2] == rec["sha256"] else "DIFFERS from this file"
            note = f"{cells[1]}; pinned sha256 {cells[2]} ({check}). {licence.replace('`', '')}".strip()
    rec["provenance"] = note
    return rec


def _git_commit() -> str | None:
    """The git commit of the karstmodel source (with ``+uncommitted changes`` when the work tree differs from
    it), or None when karstmodel is not run from a git checkout or git is missing."""
    src = Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(["git", "-C", str(src), "rev-parse", "--show-toplevel", "HEAD"], capture_output=True,
                              text=True, timeout=10)
        lines = head.stdout.splitlines()
        # only the checkout karstmodel runs from (an installed copy inside some other repository has no commit)
        if head.returncode != 0 or len(lines) != 2 or Path(lines[0]).resolve() != src:
            return None
        dirty = subprocess.run(["git", "-C", str(src), "status", "--porcelain", "--untracked-files=no", "--",
                                "chemistry", "karstmodel"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    commit = lines[1]
    return commit + (" + uncommitted changes" if dirty.returncode == 0 and dirty.stdout.strip() else "")


def _version() -> str:
    try:
        return importlib.metadata.version("karstmodel")
    except importlib.metadata.PackageNotFoundError:
        return "unknown (not installed)"


def command_line(argv=None) -> str:
    """The command that made the report: ``karstmodel ARGS`` from the command line, else the Python process's
    arguments."""
    argv = list(sys.argv if argv is None else argv)
    if argv and Path(argv[0]).name in ("karstmodel", "__main__.py"):
        argv[0] = "karstmodel"
    return shlex.join(argv) if argv else "(python)"


def provenance(inputs, database: str = "phreeqc.dat", argv=None, now: datetime | None = None) -> dict:
    """Where a result came from: karstmodel version and git commit, the input files (``inputs``: (role, path)
    pairs, e.g. the catchment file, drivers, observations, scenario file) with size and SHA-256, the PHREEQC
    database with its provenance note, the command line and the UTC time."""
    now = now or datetime.now(timezone.utc)
    return {"karstmodel_version": _version(), "git_commit": _git_commit(),
            "python": sys.version.split()[0], "command": command_line(argv),
            "time_utc": now.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
            "inputs": [file_record(role, p) for role, p in inputs if p is not None],
            "database": database_record(database)}


def catchment_inputs(c) -> list:
    """(role, path) of a catchment's own files: the catchment file, drivers and observations."""
    return [("catchment file", c.source), ("drivers", c.drivers.file), ("observations", c.observations.file)]


_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;max-width:1180px;margin:1.5em auto;
padding:0 1em;color:#222;line-height:1.4}
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.2em;border-bottom:1px solid #ccc;margin-top:1.6em}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}
th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}
th{background:#f2f2f2}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.long{overflow-wrap:anywhere;font-family:ui-monospace,monospace;font-size:.85em}
caption{text-align:left;font-weight:600;padding:.2em 0}
figure{margin:1em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.85em;color:#555}code{font-size:.9em;word-break:break-all}
nav ul{columns:2;font-size:.9em}.meta{color:#555;font-size:.9em}
"""

_SCRIPT = """
var blocked = 0;
document.addEventListener("securitypolicyviolation", function () {
  blocked += 1;
  if (document.body) document.body.setAttribute("data-requests-blocked", blocked);
});
window.addEventListener("load", function () {
  var images = document.images, rendered = 0;
  for (var i = 0; i < images.length; i++) {
    if (images[i].complete && images[i].naturalWidth > 0) rendered += 1;
  }
  var b = document.body;
  b.setAttribute("data-images-total", images.length);
  b.setAttribute("data-images-rendered", rendered);
  b.setAttribute("data-resources-fetched", performance.getEntriesByType("resource").length);
  b.setAttribute("data-requests-blocked", blocked);
});
"""

_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'"
_NUMBER = re.compile(r"^[+-]?(\d[\d,]*\.?\d*|\.\d+)([eE][+-]?\d+)?( ?%)?$")


def _cell(text, tag: str = "td") -> str:
    """One table cell: numbers right-aligned and kept on one line; a path or hash (a word of more than 30
    characters) may break anywhere, so that the table fits the page."""
    s = str(text)
    cls = ""
    if tag == "td" and _NUMBER.match(s.strip()):
        cls = ' class="num"'
    elif tag == "td" and any(len(word) > 30 for word in s.split()):
        cls = ' class="long"'
    return f"<{tag}{cls}>{html.escape(s)}</{tag}>"


def _table(t: Table) -> str:
    out = ["<table>"]
    if t.caption:
        out.append(f"<caption>{html.escape(t.caption)}</caption>")
    out.append("<thead><tr>" + "".join(_cell(h, "th") for h in t.header) + "</tr></thead><tbody>")
    out += ["<tr>" + "".join(_cell(c) for c in row) + "</tr>" for row in t.rows]
    out.append("</tbody></table>")
    return "\n".join(out)


def _figure(caption: str, path) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    cap = html.escape(caption)
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{cap}">'
            f"<figcaption>{cap} ({html.escape(Path(path).name)})</figcaption></figure>")


def provenance_section(prov: dict) -> Section:
    """The provenance of :func:`provenance` as a report section (software, inputs with hashes, database)."""
    sw = Table(("item", "value"), (("karstmodel version", prov["karstmodel_version"]),
                                   ("git commit", prov["git_commit"] or "not available (not a git checkout)"),
                                   ("Python", prov["python"]), ("command line", prov["command"]),
                                   ("report written", prov["time_utc"])), "software and run")
    files = Table(("role", "file", "bytes", "SHA-256"),
                  tuple((f["role"], f["path"], "missing" if f["bytes"] is None else str(f["bytes"]),
                         f["sha256"] or "missing") for f in prov["inputs"]), "input files")
    db = prov["database"]
    dbt = Table(("file", "bytes", "SHA-256", "provenance"),
                ((db["path"], str(db["bytes"]), db["sha256"] or "missing", db["provenance"]),),
                "PHREEQC database (carbonate equilibria)")
    return Section("Provenance", tables=(sw, files, dbt))


def render(title: str, sections, prov: dict, subtitle: str = "") -> str:
    """The whole report as one HTML string: title, contents, ``sections`` in order (None entries skipped), then
    the provenance."""
    sections = [s for s in sections if s is not None] + [provenance_section(prov)]
    body = [f"<h1>{html.escape(title)}</h1>"]
    if subtitle:
        body.append(f'<p class="meta">{html.escape(subtitle)}</p>')
    body.append('<p class="meta">karstmodel ' + html.escape(prov["karstmodel_version"]) + ", written "
                + html.escape(prov["time_utc"]) + ". Self-contained: figures embedded, no external files.</p>")
    body.append("<nav><ul>" + "".join(f'<li><a href="#s{i}">{html.escape(s.title)}</a></li>'
                                      for i, s in enumerate(sections)) + "</ul></nav>")
    for i, s in enumerate(sections):
        body.append(f'<section id="s{i}"><h2>{html.escape(s.title)}</h2>')
        body += [f"<p>{html.escape(p)}</p>" for p in s.paragraphs]
        body += [_table(t) for t in s.tables]
        body += [_figure(cap, p) for cap, p in s.figures if Path(p).is_file()]
        body.append("</section>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{html.escape(title)}</title>\n<style>{_STYLE}</style>\n<script>{_SCRIPT}</script>\n</head>\n"
            "<body>\n" + "\n".join(body) + "\n</body></html>\n")


def write_report_html(path, title: str, sections, prov: dict, subtitle: str = "") -> Path:
    """Write :func:`render`'s report to ``path`` atomically; returns the path. Characters outside ASCII are
    written as HTML character references, so the file reads the same whatever the locale's encoding."""
    text = render(title, sections, prov, subtitle).encode("ascii", "xmlcharrefreplace").decode("ascii")
    _atomic_write(path, lambda fh: fh.write(text))
    return Path(path)
