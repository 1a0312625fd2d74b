"""Import the national unit tree of 1 July 2025 and its history (idempotent)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from egov.core.errors import DomainError
from egov.units.importers.national import default_data_dir, import_national


class Command(BaseCommand):
    help = (
        "Nhập cây đơn vị hành chính từ 01/07/2025 (34 tỉnh, 3.321 xã) và các đơn vị cũ "
        "từ dữ liệu của Cục Thống kê. Chạy lại không tạo bản ghi trùng."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--province",
            action="append",
            default=[],
            metavar="CODE",
            help="Chỉ nhập tỉnh có mã này (mã mới, 2 chữ số); dùng nhiều lần được. Mặc định: tất cả.",
        )
        parser.add_argument(
            "--data-dir",
            default="",
            help="Thư mục chứa units-2025.csv và mapping-2025.csv "
            "(mặc định: EGOV_UNITS_DATA_DIR, hoặc shared/data/units cạnh mã nguồn).",
        )

    def handle(self, *args, **options) -> None:
        provinces = []
        for code in options["province"]:
            code = code.strip()
            if not (code.isascii() and code.isdigit() and len(code) == 2):
                raise CommandError(f"Mã tỉnh không hợp lệ: {code!r} (cần 2 chữ số).")
            provinces.append(code)
        data_dir = options["data_dir"] or default_data_dir()
        started = time.monotonic()
        try:
            result = import_national(actor=None, data_dir=data_dir, provinces=provinces or None)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        r = result
        seconds = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã nhập đơn vị: {r.units_created} mới, {r.units_updated} cập nhật, "
                f"{r.units_unchanged} không đổi; sắp xếp: {r.successions_created} mới, "
                f"{r.successions_updated} cập nhật; {r.paths_updated} đường dẫn tính lại "
                f"({seconds:.1f} giây)."
            )
        )
