"""The API's JSON parser: DRF's, plus limits no legitimate request comes near.

A body nested thousands of levels deep made the parser raise RecursionError (a 500); a NUL character in any
string cannot be stored by PostgreSQL (text and JSON alike). Both are refused here, once, for every endpoint,
as a 400 before any view runs; form bodies are held to the same rule about NUL characters.
"""

from __future__ import annotations

from rest_framework.exceptions import ParseError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser

MAX_JSON_DEPTH = 32


def json_problem(data) -> str | None:
    """What makes parsed JSON unacceptable (too deep, a NUL character), or None. Iterative: no recursion."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return "Text must not contain NUL characters."
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_JSON_DEPTH:
            return f"JSON nested too deeply (at most {MAX_JSON_DEPTH} levels)."
        if isinstance(value, dict):
            pending.extend((key, depth) for key in value)
            pending.extend((item, depth + 1) for item in value.values())
        else:
            pending.extend((item, depth + 1) for item in value)
    return None


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON nested too deeply (at most {MAX_JSON_DEPTH} levels).") from None
        problem = json_problem(data)
        if problem:
            raise ParseError(problem)
        return data


def _refuse_nul_in_fields(data) -> None:
    for values in data.lists():
        if any(isinstance(value, str) and "\x00" in value for value in values[1]) or "\x00" in values[0]:
            raise ParseError("Text must not contain NUL characters.")


class NulFreeFormParser(FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        _refuse_nul_in_fields(data)
        return data


class NulFreeMultiPartParser(MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        _refuse_nul_in_fields(parsed.data)
        return parsed
