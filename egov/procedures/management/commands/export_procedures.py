"""Export the catalogue in force in the national shape (JSON or XLSX)."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from egov.procedures.importers.export import export_json, export_xlsx


class Command(BaseCommand):
    help = (
        "Xuất danh mục thủ tục đang có hiệu lực theo cấu trúc của CSDL quốc gia (JSON hoặc XLSX)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", default="-", help="Tệp đích (- : đầu ra chuẩn).")
        parser.add_argument("--format", choices=["json", "xlsx"], default="")

    def handle(self, *args, **options) -> None:
        path = options["path"]
        fmt = options["format"] or ("xlsx" if path.lower().endswith(".xlsx") else "json")
        data = export_xlsx() if fmt == "xlsx" else export_json()
        if path == "-":
            sys.stdout.buffer.write(data)
        else:
            Path(path).write_bytes(data)
