from .engine import serve_requests

serve_requests()
