"""Errors of the organisation's member pages."""

from allot.errors import NotFoundError


class MemberNotFoundError(NotFoundError):
    pass
