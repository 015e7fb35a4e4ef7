"""The currencies an amount may be given in: ISO 4217 codes of legal tender in use.

A fixed table, not a library call: the domain stays pure and dependency-free, and the
maintained sources differ from what we want here (babel's ``list_currencies`` also lists
withdrawn currencies such as FRF or DEM, which no new commitment may be expressed in;
pycountry is not a dependency). Extracted from the CLDR data shipped with babel 2.19 (the
currencies still tender in at least one territory); update it when ISO 4217 changes.
"""

_CODES = """
AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BHD BIF BMD BND BOB BRL BSD BTN BWP BYN
BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP
GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS
KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR
MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD
RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SYP SZL THB TJS TMT TND TOP TRY
TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
"""

ISO_4217_IN_USE: frozenset[str] = frozenset(_CODES.split())


def is_currency(code: str) -> bool:
    return code in ISO_4217_IN_USE
