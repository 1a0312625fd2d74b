"""Import the procedure catalogue (national shape, JSON or XLSX); idempotent by code."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from egov.core.errors import DomainError
from egov.procedures.importers.national import default_data_path, import_file
from egov.procedures.services import versions_take_effect


class Command(BaseCommand):
    help = (
        "Nhập danh mục thủ tục hành chính theo cấu trúc của CSDL quốc gia (JSON hoặc XLSX). "
        "Kiểm tra toàn bộ tệp trước khi ghi; chạy lại không tạo phiên bản trùng."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path",
            nargs="?",
            default="",
            help="Tệp .json hoặc .xlsx (mặc định: EGOV_TTHC_DATA, hoặc "
            "shared/data/tthc/procedures.json cạnh mã nguồn).",
        )
        parser.add_argument(
            "--refresh-only",
            action="store_true",
            help="Chỉ tính lại phiên bản đang có hiệu lực của mọi thủ tục (chạy hằng ngày).",
        )

    def handle(self, *args, **options) -> None:
        if options["refresh_only"]:
            n = versions_take_effect()
            self.stdout.write(self.style.SUCCESS(f"Đã cập nhật phiên bản hiệu lực: {n} thủ tục."))
            return
        path = options["path"] or str(default_data_path())
        started = time.monotonic()
        try:
            result = import_file(actor=None, path=path)
        except DomainError as exc:
            lines = [str(exc.message)]
            for e in exc.errors[:50]:
                where = f"dòng {e.get('row')}" if e.get("row") else ""
                if e.get("sheet"):
                    where = f"{e['sheet']} {where}"
                lines.append(f"  {where} [{e.get('column', '')}]: {e.get('message')}")
            raise CommandError("\n".join(lines)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.records} thủ tục: {len(result.created)} mới, {len(result.amended)} "
                f"có phiên bản mới, {result.unchanged} không đổi "
                f"({time.monotonic() - started:.1f} s)."
            )
        )
