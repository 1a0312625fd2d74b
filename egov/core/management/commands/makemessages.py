"""makemessages that also extracts `_lazy(...)`, our alias of gettext_lazy in forms and views
(xgettext knows only Django's own names)."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=_lazy"]
