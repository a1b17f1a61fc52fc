"""Errors become a short French page (or JSON under /api/), never a traceback."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from dynamobile.errors import DynamobileError

log = logging.getLogger(__name__)

MESSAGES = {
    400: "Requête invalide.",
    401: "Connexion requise.",
    403: "Accès refusé : cette page ne vous est pas ouverte.",
    404: "Page introuvable.",
    405: "Méthode non autorisée.",
    413: "Fichier trop volumineux.",
    429: "Trop de tentatives. Réessayez plus tard.",
    500: "Erreur interne du serveur. Réessayez ; si le problème continue, prévenez la coordination.",
}


def _render(code: int, message: str, kind: str = ""):
    if request.path.startswith("/api/"):
        body = {"error": message}
        if kind:
            body["kind"] = kind
        return jsonify(body), code
    return render_template("error.html", code=code, message=message), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return _render(400, "Jeton de sécurité manquant ou expiré : rechargez la page.", "csrf")

    @app.errorhandler(DynamobileError)
    def dynamobile_error(exc: DynamobileError):
        return _render(400, str(exc), "input")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = exc.code or 500
        message = MESSAGES.get(code, exc.name)
        if code == 400 and exc.description and not exc.description.startswith("The browser"):
            message = exc.description
        return _render(code, message)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error on %s", request.path)
        return _render(500, MESSAGES[500])
