"""Fund list (until the full UI lands)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template_string

from fundtrack import get_db
from fundtrack.ledger import frames

bp = Blueprint("funds", __name__)


@bp.get("/")
def index():
    with get_db(current_app).read() as session:
        funds = frames.entities(session, ("parent", "subfund"))
    return render_template_string(
        "<h1>fundtrack</h1><ul>{% for f in funds %}<li>{{ f.code }} {{ f.name }}</li>"
        "{% endfor %}</ul>",
        funds=funds.to_dict("records"),
    )
