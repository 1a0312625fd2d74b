"""Filters of the printed forms: dates in the forms' words, in Vietnam time."""

from __future__ import annotations

from django import template

from egov.dossiers import printing

register = template.Library()

register.filter("vn_date", printing.date_words)
register.filter("vn_datetime", printing.datetime_words)
register.filter("vn_short", printing.short_date)
