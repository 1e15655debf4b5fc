"""The review desk: server-rendered pages under ``/desk`` on the API's FastAPI app (``intake serve``).

Routes (every one but the login page needs a live session; every form carries the session's CSRF token)::

    GET  /desk                                   -> /desk/queue
    GET  /desk/login          POST /desk/login   POST /desk/logout
    GET  /desk/queue          filters: decision, flag, service, region, source, date_from, date_to, state
    GET  /desk/cases/{id}     the case page (each view is logged)
    GET  /desk/cases/{id}/next                   the next open case in queue order
    GET  /desk/cases/{id}/materials/{m}/pages/{p}.jpg   upright page preview (cached)
    POST /desk/cases/{id}/claim   POST /desk/cases/{id}/release
    POST /desk/cases/{id}/decision               approve | return | more_material | escalate
    POST /desk/cases/{id}/flags/{i}/verdict      confirmed | false_alarm, with a note
    GET  /desk/metrics
    GET  /desk/static/{name}
"""

from pipeline.app.desk.routes import install_desk

__all__ = ["install_desk"]
