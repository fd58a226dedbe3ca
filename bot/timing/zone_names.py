"""Names people use for time zones that the tz database does not spell: abbreviations, countries, and which
zone stands for a region of a country with several.

Countries themselves come from the tz database's iso3166.tab and zone.tab (bot.timing.timezones reads them);
this module only adds the everyday names those files lack and the choices a machine cannot make.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Abbreviation:
    zone: str
    meaning: str  # "US Eastern time"
    elsewhere: str = ""  # who else might mean it, and what they should type instead


# One reading that nearly everybody means. The note names the zone and what to type otherwise.
ABBREVIATIONS: dict[str, Abbreviation] = {
    "est": Abbreviation(
        "America/New_York", "US Eastern time", "On EST all year, as in Jamaica or Panama? Type /timezone Jamaica."
    ),
    "edt": Abbreviation("America/New_York", "US Eastern time"),
    "et": Abbreviation("America/New_York", "US Eastern time"),
    "eastern": Abbreviation("America/New_York", "US Eastern time"),
    "cdt": Abbreviation("America/Chicago", "US Central time"),
    "ct": Abbreviation("America/Chicago", "US Central time"),
    "central": Abbreviation("America/Chicago", "US Central time"),
    "mdt": Abbreviation("America/Denver", "US Mountain time"),
    "mountain": Abbreviation("America/Denver", "US Mountain time"),
    "pst": Abbreviation("America/Los_Angeles", "US Pacific time"),
    "pdt": Abbreviation("America/Los_Angeles", "US Pacific time"),
    "pt": Abbreviation("America/Los_Angeles", "US Pacific time"),
    "pacific": Abbreviation("America/Los_Angeles", "US Pacific time"),
    "akst": Abbreviation("America/Anchorage", "Alaska time"),
    "akdt": Abbreviation("America/Anchorage", "Alaska time"),
    "hst": Abbreviation("Pacific/Honolulu", "Hawaii time"),
    "adt": Abbreviation("America/Halifax", "Atlantic time (Canada)"),
    "nst": Abbreviation("America/St_Johns", "Newfoundland time"),
    "ndt": Abbreviation("America/St_Johns", "Newfoundland time"),
    "bst": Abbreviation("Europe/London", "UK time", "Bangladesh Standard Time? Type /timezone Asia/Dhaka."),
    "wet": Abbreviation("Europe/Lisbon", "Western European time"),
    "west": Abbreviation("Europe/Lisbon", "Western European time"),
    "cet": Abbreviation("Europe/Berlin", "Central European time (as in Berlin, Paris, Rome or Madrid)"),
    "cest": Abbreviation("Europe/Berlin", "Central European time (as in Berlin, Paris, Rome or Madrid)"),
    "met": Abbreviation("Europe/Berlin", "Central European time (as in Berlin, Paris, Rome or Madrid)"),
    "mest": Abbreviation("Europe/Berlin", "Central European time (as in Berlin, Paris, Rome or Madrid)"),
    "eet": Abbreviation(
        "Europe/Athens",
        "Eastern European time (as in Athens, Helsinki or Bucharest)",
        "In Egypt? Type /timezone egypt.",
    ),
    "eest": Abbreviation("Europe/Athens", "Eastern European time (as in Athens, Helsinki or Bucharest)"),
    "msk": Abbreviation("Europe/Moscow", "Moscow time"),
    "sast": Abbreviation("Africa/Johannesburg", "South African time"),
    "cat": Abbreviation("Africa/Maputo", "Central Africa time"),
    "eat": Abbreviation("Africa/Nairobi", "East Africa time"),
    "wat": Abbreviation("Africa/Lagos", "West Africa time"),
    "gst": Abbreviation("Asia/Dubai", "Gulf time"),
    "irst": Abbreviation("Asia/Tehran", "Iran time"),
    "pkt": Abbreviation("Asia/Karachi", "Pakistan time"),
    "npt": Abbreviation("Asia/Kathmandu", "Nepal time"),
    "ict": Abbreviation("Asia/Bangkok", "Indochina time"),
    "wib": Abbreviation("Asia/Jakarta", "Western Indonesia time"),
    "sgt": Abbreviation("Asia/Singapore", "Singapore time"),
    "hkt": Abbreviation("Asia/Hong_Kong", "Hong Kong time"),
    "pht": Abbreviation("Asia/Manila", "Philippine time"),
    "awst": Abbreviation("Australia/Perth", "Western Australia time"),
    "jst": Abbreviation("Asia/Tokyo", "Japan time"),
    "kst": Abbreviation("Asia/Seoul", "Korea time"),
    "acst": Abbreviation(
        "Australia/Adelaide", "Australian Central time (South Australia)", "In Darwin? Type /timezone Darwin."
    ),
    "acdt": Abbreviation("Australia/Adelaide", "Australian Central time (South Australia)"),
    "aest": Abbreviation(
        "Australia/Sydney",
        "Australian Eastern time (as in Sydney, Melbourne or Hobart)",
        "In Queensland, which keeps AEST all year? Type /timezone Brisbane.",
    ),
    "aedt": Abbreviation("Australia/Sydney", "Australian Eastern time (as in Sydney, Melbourne or Hobart)"),
    "nzst": Abbreviation("Pacific/Auckland", "New Zealand time"),
    "nzdt": Abbreviation("Pacific/Auckland", "New Zealand time"),
    "brt": Abbreviation("America/Sao_Paulo", "Brasília time"),
    "art": Abbreviation("America/Argentina/Buenos_Aires", "Argentina time"),
    "clt": Abbreviation("America/Santiago", "Chile time"),
    "cot": Abbreviation("America/Bogota", "Colombia time"),
    "pet": Abbreviation("America/Lima", "Peru time"),
    "vet": Abbreviation("America/Caracas", "Venezuela time"),
}

# Names that mean different places to different people: the person picks. (zone, button label), likeliest first.
AMBIGUOUS: dict[str, tuple[tuple[str, str], ...]] = {
    "ist": (
        ("Asia/Kolkata", "India (IST)"),
        ("Asia/Jerusalem", "Israel (IST)"),
        ("Europe/Dublin", "Ireland (IST)"),
    ),
    "cst": (
        ("America/Chicago", "US Central (CST)"),
        ("Asia/Shanghai", "China (CST)"),
        ("America/Havana", "Cuba (CST)"),
        ("America/Regina", "Saskatchewan (CST)"),
        ("America/Mexico_City", "Mexico (CST)"),
    ),
    "mst": (
        ("America/Denver", "US Mountain (MST/MDT)"),
        ("America/Phoenix", "Arizona (MST all year)"),
    ),
    "ast": (
        ("America/Halifax", "Atlantic, Canada (AST)"),
        ("America/Puerto_Rico", "Caribbean (AST)"),
        ("Asia/Riyadh", "Arabia (AST)"),
    ),
    "georgia": (
        ("Asia/Tbilisi", "Georgia, the country"),
        ("America/New_York", "Georgia, US state"),
    ),
}
AMBIGUOUS_MEANING = {"ist": "IST", "cst": "CST", "mst": "MST", "ast": "AST", "georgia": "Georgia"}

# Everyday names for countries that iso3166.tab spells otherwise (its own names are understood too).
COUNTRY_NAMES: dict[str, str] = {
    "usa": "US",
    "us": "US",
    "u.s.": "US",
    "u.s.a.": "US",
    "america": "US",
    "united states of america": "US",
    "the us": "US",
    "the usa": "US",
    "the united states": "US",
    "uk": "GB",
    "u.k.": "GB",
    "the uk": "GB",
    "united kingdom": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "uae": "AE",
    "emirates": "AE",
    "south korea": "KR",
    "korea": "KR",
    "republic of korea": "KR",
    "north korea": "KP",
    "czechia": "CZ",
    "holland": "NL",
    "the netherlands": "NL",
    "russian federation": "RU",
    "ivory coast": "CI",
    "vatican": "VA",
    "burma": "MM",
    "dr congo": "CD",
    "drc": "CD",
    "timor-leste": "TL",
    "swaziland": "SZ",
    "deutschland": "DE",
    "espana": "ES",
    "the philippines": "PH",
    "bosnia": "BA",
    "trinidad": "TT",
    "macao": "MO",
}

# Where a country has several time zones, the zone standing for each, most people's first; a group of zones
# that keep the same time is named by the first of these it holds (else by its first zone in zone.tab).
MAIN_ZONES: tuple[str, ...] = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Toronto",
    "America/Vancouver",
    "America/Edmonton",
    "America/Winnipeg",
    "America/Regina",
    "America/Halifax",
    "America/St_Johns",
    "Australia/Sydney",
    "Australia/Brisbane",
    "Australia/Melbourne",
    "Australia/Adelaide",
    "Australia/Darwin",
    "Australia/Perth",
    "America/Sao_Paulo",
    "America/Manaus",
    "America/Rio_Branco",
    "America/Noronha",
    "Europe/Moscow",
    "Europe/Kaliningrad",
    "Europe/Samara",
    "Asia/Yekaterinburg",
    "Asia/Omsk",
    "Asia/Novosibirsk",
    "Asia/Krasnoyarsk",
    "Asia/Irkutsk",
    "Asia/Yakutsk",
    "Asia/Vladivostok",
    "Asia/Magadan",
    "Asia/Kamchatka",
    "America/Mexico_City",
    "America/Cancun",
    "America/Tijuana",
    "America/Hermosillo",
    "America/Mazatlan",
    "America/Chihuahua",
    "Europe/Madrid",
    "Europe/Lisbon",
    "America/Santiago",
    "Asia/Jakarta",
    "Asia/Makassar",
    "Asia/Almaty",
    "Asia/Shanghai",
    "Pacific/Auckland",
    "America/Guayaquil",
    "Africa/Kinshasa",
    "Europe/Kyiv",
    "Asia/Kuala_Lumpur",
    "Asia/Ulaanbaatar",
    "America/Nuuk",
    "Asia/Tashkent",
)

# Country names that read better with "the" in a sentence ("the United States has ...").
WITH_THE = frozenset({"US", "GB", "NL", "PH", "AE", "DO", "CZ", "BS", "CD", "CG", "CF", "MV", "MH", "SB", "GM"})
