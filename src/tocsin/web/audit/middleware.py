"""Tells the audit signals who is acting, for the length of one request."""

from tocsin.web.audit.context import acting


class AuditActorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        address = request.META.get("REMOTE_ADDR")
        with acting(user if user is not None and user.is_authenticated else None, address):
            return self.get_response(request)
