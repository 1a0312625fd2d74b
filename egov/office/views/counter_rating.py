"""The counter's tablet: after the result is handed over at the counter, the one-stop officer
opens this page on the tablet facing the applicant, who rates the handling (DOMAIN.md 5). The page
shows nothing of the dossier but its code and procedure, and no navigation: it is the applicant's
screen for that moment, in the officer's session."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from egov.core.errors import DomainError
from egov.core.forms import add_domain_error
from egov.dossiers import selectors, services
from egov.dossiers.forms import RatingForm
from egov.office.views.dossiers import _require_staff


@login_required
@require_http_methods(["GET", "POST"])
def counter_rating(request: HttpRequest, pk: int) -> HttpResponse:
    _require_staff(request)
    dossier = selectors.dossier_for_staff(request.user, pk)
    status = selectors.counter_rating_status(request.user, dossier)
    if status == selectors.CounterRating.NOT_ALLOWED:
        raise PermissionDenied
    form = RatingForm(request.POST if request.method == "POST" else None)
    code = 200
    if request.method == "POST" and status == selectors.CounterRating.OPEN:
        if form.is_valid():
            try:
                services.rate(
                    actor=request.user,
                    dossier_id=dossier.pk,
                    overall=form.cleaned_data["overall"],
                    criteria=form.criteria(),
                    comment=form.cleaned_data["comment"],
                    via_counter=True,
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                return redirect("office:dossier-counter-rating", pk=pk)
        code = 400
    elif request.method == "POST":
        code = 409
    context = {
        "dossier": dossier,
        "status": status,
        "form": form,
        "Status": selectors.CounterRating,
    }
    return render(request, "office/dossiers/counter_rating.html", context, status=code)
