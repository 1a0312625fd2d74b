import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "egov.settings")
application = get_wsgi_application()


def _freeze_startup_objects() -> None:
    """Load the URL configuration (and with it every view module), then move all that start-up
    made out of the cyclic collector's sight (`gc.freeze`): a full collection then walks only
    what requests make, not the hundreds of thousands of objects of Django and the apps, which
    took tens of milliseconds in the middle of some requests (bench/README.md, issue 5)."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports the URLconf)
    gc.collect()
    gc.freeze()


_freeze_startup_objects()
