"""supplyscreen: screen vendors, suppliers, products and purchase files against the official lists.

Public API::

    from supplyscreen import Screener
    s = Screener.open()               # the active lists, ready to match
    s.match("Dahua Technology", schema="Company", country="cn", limit=5)
    s.compare("Bank of Chad", "Bank of China")

    from supplyscreen import Store
    store = Store.open()              # the active list snapshot (embedded one on first run)
    store.get("us_ofac_sdn:29299")    # an Entity with all its memberships
"""

from supplyscreen.errors import SourceFormatError, StoreError, SupplyscreenError, UpdateError
from supplyscreen.model import Address, Entity, Identifier, Membership, Name, Relation, Rule
from supplyscreen.screener import Screener
from supplyscreen.store import Store
from supplyscreen.version import __version__

__all__ = [
    "Address",
    "Entity",
    "Identifier",
    "Membership",
    "Name",
    "Relation",
    "Rule",
    "Screener",
    "SourceFormatError",
    "Store",
    "StoreError",
    "SupplyscreenError",
    "UpdateError",
    "__version__",
]
