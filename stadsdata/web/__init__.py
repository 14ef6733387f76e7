"""The web UI: server-rendered pages (Jinja2) whose data comes from the public APIs, with
vendored map and chart libraries (`static/vendor`)."""
