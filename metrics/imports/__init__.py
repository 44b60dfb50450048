"""CSV imports of metric inputs, with a preview. See ``metrics.imports.base``."""

from metrics.imports.base import (
    IMPORT_SPECS,
    Column,
    ImportResult,
    ImportSpec,
    RowError,
    decode_csv,
    import_confirm,
    import_csv,
    import_max_bytes,
    import_spec,
    import_specs,
    register_import,
)

__all__ = [
    "IMPORT_SPECS",
    "Column",
    "ImportResult",
    "ImportSpec",
    "RowError",
    "decode_csv",
    "import_confirm",
    "import_csv",
    "import_max_bytes",
    "import_spec",
    "import_specs",
    "register_import",
]
