"""Builders of upload files for the import tests and the benchmark."""

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

HEADERS = [
    "نام",
    "نام خانوادگی",
    "نام پدر",
    "کد ملی",
    "تلفن همراه",
    "جنسیت",
    "تاریخ تولد",
    "محله",
    "تحصیلات",
    "وضعیت اشتغال",
    "نحوه آشنایی",
    "کد دوره",
]


def xlsx_bytes(rows, headers=HEADERS) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, headers=HEADERS) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def upload(content: bytes, name: str = "trainees.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)
