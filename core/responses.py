"""Answers shared by every app."""

from django.shortcuts import render


def unprocessable(request, message: str):
    """A 422 page saying why nothing was saved (the browser's Back keeps what was typed)."""
    return render(request, "422.html", {"message": message}, status=422)
