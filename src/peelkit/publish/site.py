"""The site's index page: every force with its overall grade and links to its reports and the data."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, select_autoescape

from peelkit import forces
from peelkit.publish.model import PublicationData
from peelkit.publish.wording import ACCESSIBILITY, NO_GRADE

_INDEX = """<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
body { font-family: Arial, Helvetica, sans-serif; margin: 0; color: #0b0c0c; line-height: 1.4; }
header, main, footer { max-width: 60rem; margin: 0 auto; padding: 1rem; }
header { border-bottom: 0.5rem solid #1d70b8; }
.synthetic { background: #fff2cc; border-left: 0.4rem solid #f47738; padding: 0.5rem 1rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.4rem; border-bottom: 1px solid #b1b4b6; }
a { color: #1d70b8; }
a:focus { outline: 3px solid #fd0; background: #fd0; color: #0b0c0c; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
</style>
</head>
<body>
<header><p>peelkit</p><h1>{{ title }}</h1><p>Published {{ published }}</p></header>
<main id="main">
{% if synthetic %}<p class="synthetic"><strong>Synthetic demonstration data.</strong> Some figures on these pages
come from synthetic demonstration data, not from forces' real returns.</p>{% endif %}
<h2>Reports by force</h2>
<table>
<caption class="visually-hidden">Each force's overall effectiveness grade and its reports</caption>
<thead><tr><th scope="col">Force</th><th scope="col">Region</th><th scope="col">Overall grade</th>
<th scope="col">Report</th></tr></thead>
<tbody>
{% for row in rows %}<tr><th scope="row">{{ row.name }}</th><td>{{ row.region }}</td><td>{{ row.grade }}</td>
<td>{% if "html" in formats %}<a href="forces/{{ row.slug }}.html">HTML<span class="visually-hidden">
 report for {{ row.name }}</span></a>{% endif %}
{% if "pdf" in formats %} <a href="forces/{{ row.slug }}.pdf">PDF<span class="visually-hidden">
 report for {{ row.name }}</span></a>{% endif %}</td></tr>
{% endfor %}</tbody>
</table>
<h2>Data</h2>
<ul>
<li><a href="data/indicators.csv">All indicators for every force (CSV)</a></li>
{% for file in data_files %}<li><a href="data/{{ file }}">{{ file }}</a></li>{% endfor %}
<li><a href="manifest.json">Manifest: every input and output with its SHA-256</a></li>
</ul>
<h2>Accessibility</h2>
<p>{{ accessibility }}</p>
</main>
<footer><p>Contains public sector information licensed under the Open Government Licence v3.0.</p></footer>
</body>
</html>
"""

_ENV = Environment(autoescape=select_autoescape(default=True, default_for_string=True))


def _grade(data: PublicationData, code: str) -> str:
    entry: Any = data.ledger.get(code) or {}
    judgments = entry.get("judgments") if isinstance(entry, dict) else None
    overall = judgments.get("overall") if isinstance(judgments, dict) else None
    grade = overall.get("grade") if isinstance(overall, dict) else None
    return str(grade) if grade else NO_GRADE


def render_index(data: PublicationData, force_codes: list[str], formats: tuple[str, ...],
                 data_files: list[str]) -> str:
    rows = []
    for code in force_codes:
        area = forces.match_force(code)
        rows.append({"name": area.name, "slug": area.slug, "region": area.region, "grade": _grade(data, code)})
    rows.sort(key=lambda r: r["name"])
    from peelkit.publish.context import month_year

    published = month_year(data.publication.published) if data.publication.published else ""
    return _ENV.from_string(_INDEX).render(
        title=data.publication.title, published=published, synthetic=data.synthetic, rows=rows, formats=formats,
        data_files=[f for f in data_files if f != "indicators.csv"], accessibility=ACCESSIBILITY)
