"""Permission-scoped listing of 100,000 units and 100,000 users.

Fills a scratch database (default: PostgreSQL database `egov_bench` on 127.0.0.1) with 34
provinces × ~2,940 units (communes, agencies, historical units merged into live ones) and 100,000
officials with role grants, then times the queries the pages run through the access policy:
- a provincial leader (grant over the province subtree) listing the first page of 50 units
  ordered by path, plus the total count;
- a commune leader (single-unit grant, history included through merges) listing their units;
- a unit administrator listing the first 50 users they may manage, plus the count.

Run: .venv/bin/python bench/scoped_listing.py [--sqlite] [--rounds 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

parser = argparse.ArgumentParser()
parser.add_argument("--sqlite", action="store_true", help="use a scratch SQLite file instead")
parser.add_argument("--rounds", type=int, default=300)
parser.add_argument("--units", type=int, default=100_000)
parser.add_argument("--users", type=int, default=100_000)
args = parser.parse_args()

if args.sqlite:
    os.environ["DATABASE_URL"] = f"sqlite:///{ROOT / 'var' / 'bench-scoped.sqlite3'}"
else:
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/egov_bench")
os.environ.setdefault("EGOV_TESTING", "1")
os.environ["DJANGO_SETTINGS_MODULE"] = "egov.settings"
(ROOT / "var").mkdir(exist_ok=True)


def ensure_database() -> None:
    if args.sqlite:
        return
    import psycopg

    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


ensure_database()

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from egov.accounts import policy  # noqa: E402
from egov.accounts.models import Role, RoleGrant, User, UserKind  # noqa: E402
from egov.units.models import Unit, UnitKind  # noqa: E402

call_command("migrate", verbosity=0)


def fill() -> None:
    if User.objects.filter(username="bench0").exists():
        return  # filled by an earlier run
    print(f"filling {args.units} units and {args.users} users …", flush=True)
    started = time.perf_counter()
    with transaction.atomic():
        provinces = Unit.objects.bulk_create(
            [Unit(name=f"Tỉnh Bench {i}", kind=UnitKind.PROVINCE) for i in range(34)]
        )
        for p in provinces:
            p.path = f"/{p.pk}/"
            p.anchor_id = p.pk
        Unit.objects.bulk_update(provinces, ["path", "anchor"])
        per_province = (args.units - 34) // 34
        batch: list[Unit] = []
        for p in provinces:
            communes = Unit.objects.bulk_create(
                [
                    Unit(name=f"Xã Bench {p.pk}-{j}", kind=UnitKind.COMMUNE, parent=p)
                    for j in range(per_province // 3)
                ]
            )
            for c in communes:
                c.path = f"{p.path}{c.pk}/"
                c.anchor_id = c.pk
            Unit.objects.bulk_update(communes, ["path", "anchor"], batch_size=2000)
            for c in communes:
                # one agency inside, one historical commune merged into it
                batch.append(Unit(name=f"UBND {c.name}", kind=UnitKind.PEOPLES_COMMITTEE, parent=c))
                batch.append(
                    Unit(
                        name=f"Xã cũ {c.pk}",
                        kind=UnitKind.COMMUNE,
                        parent=p,
                        merged_into=c,
                        valid_to="2025-06-30",
                    )
                )
        created = Unit.objects.bulk_create(batch, batch_size=5000)
        for u in created:
            holder = u.merged_into or u.parent
            u.path = f"{holder.path}{u.pk}/"
            u.anchor_id = u.merged_into_id or u.pk
        Unit.objects.bulk_update(created, ["path", "anchor"], batch_size=5000)
        communes = list(Unit.objects.filter(kind=UnitKind.COMMUNE, valid_to__isnull=True))
        users = [
            User(
                username=f"bench{i}",
                kind=UserKind.OFFICIAL,
                full_name=f"Cán bộ {i}",
                home_unit=communes[i % len(communes)],
                password="!",
            )
            for i in range(args.users)
        ]
        users = User.objects.bulk_create(users, batch_size=5000)
        RoleGrant.objects.bulk_create(
            [RoleGrant(user=u, role=Role.SPECIALIST, unit_id=u.home_unit_id) for u in users],
            batch_size=5000,
        )
    print(f"filled in {time.perf_counter() - started:.1f} s", flush=True)


def timed(label: str, fn) -> None:
    for _ in range(20):
        fn()
    samples = []
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    p95 = samples[int(len(samples) * 0.95) - 1]
    print(f"{label:<58} median {statistics.median(samples):6.2f} ms   p95 {p95:6.2f} ms")


def main() -> None:
    fill()
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("ANALYZE")
    province = Unit.objects.filter(kind=UnitKind.PROVINCE).order_by("pk")[5]
    commune = Unit.objects.filter(
        parent=province, kind=UnitKind.COMMUNE, valid_to__isnull=True
    ).first()
    leader, _ = User.objects.get_or_create(
        username="bench-leader", defaults={"kind": UserKind.OFFICIAL}
    )
    RoleGrant.objects.get_or_create(
        user=leader, role=Role.LEADER, unit=province, defaults={"include_subtree": True}
    )
    commune_leader, _ = User.objects.get_or_create(
        username="bench-commune", defaults={"kind": UserKind.OFFICIAL}
    )
    RoleGrant.objects.get_or_create(user=commune_leader, role=Role.LEADER, unit=commune)
    admin, _ = User.objects.get_or_create(
        username="bench-admin", defaults={"kind": UserKind.OFFICIAL}
    )
    RoleGrant.objects.get_or_create(
        user=admin, role=Role.UNIT_ADMIN, unit=province, defaults={"include_subtree": True}
    )
    print(
        f"database: {connection.vendor}; units {Unit.objects.count()}, "
        f"users {User.objects.count()}, grants {RoleGrant.objects.count()}"
    )

    def units_page(user):
        def run():
            policy.forget_grants(user)
            qs = Unit.objects.filter(policy.scope_q(user, policy.Perm.UNIT_VIEW, field=""))
            list(qs.order_by("path")[:50])
            qs.count()

        return run

    def users_page():
        policy.forget_grants(admin)
        qs = User.objects.filter(policy.manageable_users_q(admin))
        # as the user administration lists them: by unit, then name
        list(qs.order_by("home_unit__path", "username")[:50])
        qs.count()

    timed("province leader (subtree): 50 units + count", units_page(leader))
    timed("commune leader (unit + merged history): 50 units + count", units_page(commune_leader))
    timed("unit admin (subtree): 50 of the users they manage + count", users_page)


if __name__ == "__main__":
    main()
