"""Every known source, by code. Modules are imported on first use to keep start-up fast."""

from __future__ import annotations

from importlib import import_module

from supplyscreen.errors import StoreError
from supplyscreen.sources.base import SourceSpec

# code → (module, attribute)
_SPECS: dict[str, tuple[str, str]] = {
    "us_ofac_sdn": ("ofac_sdn", "SOURCE"),
    "us_ofac_nonsdn": ("ofac_enhanced", "SOURCE"),
    "us_trade_csl": ("trade_csl", "SOURCE"),
    "un_sc": ("un_sc", "SOURCE"),
    "us_fcc_covered": ("fcc_covered", "SOURCE"),
    "us_dhs_uflpa": ("dhs_uflpa", "SOURCE"),
    "curated_uflpa": ("curated", "CURATED_UFLPA"),
    "curated_covered": ("curated", "CURATED_COVERED"),
    "curated_el_xinjiang": ("curated", "CURATED_EL_XINJIANG"),
}

#: Sources `lists update` downloads by default: the official files with a live URL.
UPDATABLE = ("us_ofac_sdn", "us_ofac_nonsdn", "us_trade_csl", "un_sc", "us_fcc_covered", "us_dhs_uflpa")
#: Curated research files shipped inside the package.
CURATED = ("curated_uflpa", "curated_covered", "curated_el_xinjiang")


def source_spec(code: str) -> SourceSpec:
    """The SourceSpec of a source code; a clear error names the known ones otherwise."""
    try:
        module, attr = _SPECS[code]
    except KeyError:
        known = ", ".join(_SPECS)
        raise StoreError(f"unknown list source {code!r}; known sources: {known}") from None
    spec: SourceSpec = getattr(import_module(f"supplyscreen.sources.{module}"), attr)
    return spec
