"""JSON API of the one-stop dossier: /api/v1/dossiers/, /api/v1/counter-receptions/,
/api/v1/dossier-lookup/ (included by egov/api/urls.py)."""
