"""Paths of the participant's pages on the booking site, linked from emails (the public site serves them)."""

from __future__ import annotations


def signup_status_path(token: str) -> str:
    return f"/programmes/signups/{token}/"


def offer_path(token: str) -> str:
    return f"/programmes/offers/{token}/"
