"""CSV imports of metric inputs, with a preview. See ``metrics.imports.base``."""

from .base import IMPORT_SPECS, Column, ImportResult, ImportSpec, RowError, import_csv, register_import

__all__ = ["IMPORT_SPECS", "Column", "ImportResult", "ImportSpec", "RowError", "import_csv", "register_import"]
