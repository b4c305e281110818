"""Authentication (401) and authorisation (403) failures, rendered by the service kit."""


class AuthError(Exception):
    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail


def unauthenticated(detail: str) -> AuthError:
    return AuthError(401, "login", detail)


def forbidden(detail: str) -> AuthError:
    return AuthError(403, "forbidden", detail)
