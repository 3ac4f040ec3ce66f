"""Identifier labels of the US lists (OFAC SDN remarks, OFAC enhanced XML, trade.gov CSL) and our types.

All three readers see OFAC's own labels, so they share this one table and get the same identifier from the
same entry. Where their former tables disagreed the more specific, consistent type was kept:
"Identification Number" is ``id_number`` (the label names no document; ``national_id`` is for labels that
do), "Trade License No." is ``license_number`` (not ``registration_number``), "License" is
``license_number``. IMO numbers are told by their value: whatever the label, a value written ``IMO 1234567``
is an ``imo`` number (the SDN remarks write "Company Number IMO 1234567", the CSL "IMO 1234567, Company
Number"), and a "Vessel Registration Identification" is ``imo`` when it is a 7-digit number with a valid
IMO check digit, else ``vessel_registration`` (a flag state's register number such as "RS 150443").
Contact details (e-mail, phone, website) and facts about the listing are descriptive: never identifiers.
"""

from __future__ import annotations

import re

from supplyscreen.model import Identifier

#: Identifier labels as the lists write them, by our type: ``type: label | label …``; a line that starts
#: with spaces continues the one above.
_TABLE = """
passport: Passport | Diplomatic Passport | Passport Booklet | Stateless Person Passport
  British National Overseas Passport
national_id: National ID No. | Personal ID Card | Cedula No. | C.U.R.P. | D.N.I. | Kenyan ID No.
  Tazkira National ID Card | Turkish Identification Number | Numero de Identidad | Citizen's Card Number
  National Foreign ID Number | Moroccan Personal ID No. | UAE Identification | Bosnian Personal ID No.
  CNP (Personal Numerical Code)
ssn: SSN
id_number: Identification Number | Public Security and Immigration No. | Immigration No. | C.U.I.P.
  Stateless Person ID Card
birth_certificate: Birth Certificate Number
drivers_license: Driver's License No.
voter_id: Electoral Registry No. | Credencial electoral | I.F.E.
residency_number: Residency Number
travel_document: Travel Document Number
refugee_id: Refugee ID Card
military_id: Military Registration Number | Cartilla de Servicio Militar Nacional
visa_number: VisaNumberID
registration_number: Registration Number | Registration ID | Business Registration Number
  Business Registration Document # | Commercial Registry Number | C.R. No. | Romanian C.R. | Company Number
  UK Company Number | Certificate of Incorporation Number | Chamber of Commerce Number
  Istanbul Chamber of Comm. No. | Dubai Chamber of Commerce Membership No. | Matricula Mercantil No
  Folio Mercantil No. | Public Registration Number | Central Registration System Number | Enterprise Number
  Business Number | Economic Register Number (CBLS) | Registered Charity No. | Branch Unit Number
  Organization Code | LE Number | File Number | MSB Registration Number
ogrn: Russian State Individual Business Registration Number Pattern (OGRNIP)
okpo: Government Gazette Number
tax_number: Tax ID No. | R.F.C. | RFC | NIT # | RUC # | RIF # | C.U.I.T. | C.U.I. | C.I.F. | N.I.F. | RTN
  Italian Fiscal Code | Fiscal Code | US FEIN | Paraguayan tax identification number
  Romanian Tax Registration | Numero Unico de Identificacao Tributaria (NUIT)
vat: V.A.T. Number
swift_bic: SWIFT/BIC
lei: Legal Entity Number
uscc: Unified Social Credit Code (USCC) | United Social Credit Code Certificate (USCCC)
imo: International Maritime Organization No.
vessel_registration: Vessel Registration Identification
mmsi: MMSI
aircraft_msn: Aircraft Manufacturer's Serial Number (MSN)
aircraft_construction_number: Aircraft Construction Number (also called L/N or S/N or F/N)
aircraft_tail_number: Aircraft Tail Number | Previous Aircraft Tail Number
aircraft_mode_s: Aircraft Mode S Transponder Code
aircraft_serial: Aircraft Serial Identification
duns: D-U-N-S Number
bik: BIK (RU)
isin: ISIN
ticker: Equity Ticker
license_number: Trade License No. | License | Permit Number | SRE Permit No. | Pilot License Number
  Afghan Money Service Provider License Number | Tourism License No.
crypto_wallet: Digital Currency Address
"""

#: Labels (lower case) that describe the entity or its listing and are kept as notes, never identifiers.
#: Labels that end in ``:`` or `` -``, or that speak of a date or of "information", are descriptive too.
DESCRIPTIVE_LABELS = frozenset(
    "gender|target type|organization type:|organization established date|subject to secondary sanctions|"
    "secondary sanctions risk:|additional sanctions information -|listing date|effective date|issuer name|"
    "aircraft model|aircraft operator|aircraft manufacture date|former vessel flag|other vessel flag|"
    "other vessel type|"
    "nationality of registration|registration country|email address|phone number|website".split("|")
)
#: Descriptive labels that name a country: the value is one of the entity's countries.
COUNTRY_LABELS = frozenset({"nationality of registration", "registration country"})
_DESCRIPTIVE_WORDS = ("date", "information")
_CRYPTO_PREFIX = "digital currency address"
_SLUG = re.compile(r"[^0-9a-z]+")
_IMO_VALUE = re.compile(r"^IMO[\s:#-]*(\d.*)$", re.IGNORECASE)
_SEVEN_DIGITS = re.compile(r"\d{7}")


def _parse(table: str) -> dict[str, str]:
    """Label → type of a ``type: label | label`` table."""
    out: dict[str, str] = {}
    id_type = ""
    for line in table.strip("\n").splitlines():
        if not line.startswith(" "):
            id_type, line = line.split(":", 1)
        for label in line.split("|"):
            out[label.strip()] = id_type
    return out


#: Identifier label, exactly as the lists write it → our identifier type.
ID_TYPES: dict[str, str] = _parse(_TABLE)
_BY_KEY = {" ".join(label.split()).lower(): id_type for label, id_type in ID_TYPES.items()}


def _key(label: str) -> str:
    return " ".join(label.split()).lower()


def known_type(label: str) -> str | None:
    """Our type of an identifier label (case and spacing ignored); None when the table lacks it.

    Every "Digital Currency Address - XBT"-style label is a ``crypto_wallet``.
    """
    key = _key(label)
    if key.startswith(_CRYPTO_PREFIX):
        return "crypto_wallet"
    return _BY_KEY.get(key)


def identifier_type(label: str) -> str:
    """Our type of an identifier label: from the table, else a slug of the label ("N.I.E." → ``nie``)."""
    found = known_type(label)
    if found is not None:
        return found
    return _SLUG.sub("_", _key(label).replace(".", "").replace("'", "")).strip("_") or "id_number"


def is_descriptive(label: str) -> bool:
    """True for a label that describes the entity or its listing (a date, sanctions information …)."""
    key = _key(label)
    if key in DESCRIPTIVE_LABELS or key.endswith((":", " -")):
        return True
    return any(word in key for word in _DESCRIPTIVE_WORDS)


def is_imo_number(value: str) -> bool:
    """True for a 7-digit number whose last digit is the IMO check digit of the six before it."""
    if not _SEVEN_DIGITS.fullmatch(value):
        return False
    total = sum(int(digit) * weight for digit, weight in zip(value[:6], range(7, 1, -1), strict=True))
    return total % 10 == int(value[6])


def make_identifier(id_type: str, value: str, country: str | None = None) -> Identifier | None:
    """The identifier of a typed value, whitespace collapsed and IMO numbers told by their value (see above);
    None for an empty value."""
    value = " ".join(value.split())
    imo = _IMO_VALUE.match(value)
    if imo:
        id_type, value = "imo", imo.group(1)
    elif id_type == "vessel_registration" and is_imo_number(value):
        id_type = "imo"
    return Identifier(id_type, value, country) if value else None
