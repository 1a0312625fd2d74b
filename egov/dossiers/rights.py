"""Who may take which action on a dossier now: one place for the services (which enforce it)
and the pages and API (which offer only what will be allowed)."""

from __future__ import annotations

from typing import Any

from egov.accounts.models import UserKind
from egov.accounts.policy import Perm, has_perm_on
from egov.core.workflow import Transition
from egov.dossiers.models import Dossier, DossierStep, State
from egov.dossiers.transitions import TRANSITIONS
from egov.procedures.models import StepKind, StepRole

# The permission that lets a user act in a step of each role.
STEP_PERM = {
    StepRole.ONE_STOP_OFFICER: Perm.DOSSIER_RECEIVE,
    StepRole.SPECIALIST: Perm.DOSSIER_PROCESS,
    StepRole.LEADER: Perm.DOSSIER_APPROVE,
    StepRole.CLERK: Perm.DOSSIER_ISSUE,
}


def is_applicant(user: Any, dossier: Dossier) -> bool:
    return (
        user is not None
        and getattr(user, "is_authenticated", False)
        and dossier.applicant_id is not None
        and user.pk == dossier.applicant_id
    )


def may_act_on_step(user: Any, step: DossierStep | None) -> bool:
    if step is None:
        return False
    if not has_perm_on(user, STEP_PERM[step.role], step.unit):
        return False
    if step.assignee_id is None or step.assignee_id == getattr(user, "pk", None):
        return True
    return has_perm_on(user, Perm.DOSSIER_APPROVE, step.unit)


def is_leader_of(user: Any, dossier: Dossier) -> bool:
    units = [dossier.receiving_unit]
    if dossier.current_unit_id and dossier.current_unit_id != dossier.receiving_unit_id:
        units.append(dossier.current_unit)
    return any(has_perm_on(user, Perm.DOSSIER_APPROVE, u) for u in units)


def _official_may(user: Any, dossier: Dossier, action: str) -> bool:
    receiving = has_perm_on(user, Perm.DOSSIER_RECEIVE, dossier.receiving_unit)
    step = dossier.current_step
    match action:
        case "accept" | "refuse" | "supplement" | "confirm_payment" | "withdraw" | "deliver":
            return receiving
        case "request_supplement":
            if dossier.state == State.PROCESSING:
                return may_act_on_step(user, step)
            return receiving
        case "assign":
            return step is not None and has_perm_on(user, Perm.DOSSIER_APPROVE, step.unit)
        case "forward" | "request_payment":
            return may_act_on_step(user, step)
        case "send_back":
            return may_act_on_step(user, step) and step.kind in (
                StepKind.APPROVE,
                StepKind.SIGN,
                StepKind.CONSULT,
            )
        case "extend" | "stop":
            return is_leader_of(user, dossier)
    return False


def available_actions(user: Any, dossier: Dossier) -> list[Transition]:
    """The transitions `user` may take on `dossier` in its current state (an offer: the
    services check again when the action is taken)."""
    out = []
    official = getattr(user, "kind", None) == UserKind.OFFICIAL
    for transition in TRANSITIONS.actions_from(dossier.state):
        if official:
            allowed = _official_may(user, dossier, transition.action)
        else:
            allowed = is_applicant(user, dossier) and transition.action in (
                "submit",
                "supplement",
                "withdraw",
            )
        if allowed:
            out.append(transition)
    return out
