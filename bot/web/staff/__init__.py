"""The staff console under /staff/: server-rendered pages (Jinja2), server-side sessions,
CSRF tokens, roles and an audit log. Its handlers call the same stores as the chat."""
