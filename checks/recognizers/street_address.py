"""Street addresses in the common formats of many countries. Stock presidio has none.

Patterns, one per way of writing a street line:

- number first, street type last (US, UK, IE, CA, AU, NZ, IN, ZA, ...): "417 Lexington Ave",
  "1600 N Damen Ave", "5/22 Harris Street", "221B Baker Street", "1050 K Street NW",
  "17, 11th Main Road", "4417 w belmont ave" (an all lower-case line);
- number first, street type first (FR, CA-fr, and French-speaking Africa): "12 rue de Rivoli",
  "18, rue des Lilas", "1250 boul. René-Lévesque O", "45 bis avenue Jean Jaurès";
- street type first, number last (ES, PT, BR, IT, PL, RO, IL, ...): "Calle de Serrano, 41",
  "Av. Paulista, 1578", "ul. Marszałkowska 84/92", "Via G. Verdi, 8", "C/ Mayor 12";
- one word with the street type as its ending, number last (DE, AT, CH, NL, Nordics, FI,
  HU, TR, RU): "Friedrichstraße 123", "Keizersgracht 452", "Drottninggatan 53",
  "Mannerheimintie 14 B 22", "Andrássy út 52", "Bağdat Caddesi No: 145";
- Japanese block numbers: "2-11-3 Meguro", "Roppongi 6-10-1";
- Indian and Bangladeshi lines: "No. 42, 2nd Cross, 4th Main", "House 14, Road 11";
- US numbered routes: "23450 State Highway 46", "8801 US-290 E";
- a street with no type word ("Meir 85", "Ermou 54", "Vinohradská 1511/230") only where a
  postal code and town follow it, or an address label ("Address:", "Adres:") precedes it.

The street name itself must be written like a name (capitalised words, initials, ordinals,
particles such as "de la"), so "14 Ford Transit vans" or "Section 4.2" are not addresses.
"""

from __future__ import annotations

from presidio_analyzer import Pattern, PatternRecognizer

_L = r"[\p{Ll}\p{M}]"
_WORD = rf"(?:\p{{Lu}}{_L}*(?:['’\-]\p{{L}}{_L}*)*|\p{{Lu}}\.|\d{{1,3}}(?:st|nd|rd|th|º|ª|e)\b)"
_PARTICLE = r"(?:de|del|de la|de las|de los|da|das|do|dos|di|della|delle|des|du|d'|van|von|der|den|la|le|les|of|al|el)"
_NAME = rf"{_WORD}(?:[ ](?:{_PARTICLE}[ ])?{_WORD}){{0,4}}"
_HOUSE = r"\d{1,6}[A-Za-z]?(?:[/\-]\d{1,5}[A-Za-z]?)?"
_DIR = r"(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West|O|Ouest|Est|Nord|Sud)"

# Street types written after the name ("Baker Street") and before it ("rue de Rivoli").
SUFFIX_TYPES = (
    "Street|St|Avenue|Ave|Av|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Square|Sq|Terrace|Terr"
    "|Parkway|Pkwy|Highway|Hwy|Crescent|Cres|Close|Way|Row|Mews|Gardens|Grove|Quay|Wharf|Esplanade|Parade|Walk"
    "|Circle|Cir|Trail|Trl|Alley|Plaza|Heights|Rise|Loop|Pike|Turnpike|Expressway|Freeway|Marg|Salai|Nagar|Soi"
)
# USPS Publication 28 street suffixes: the rarer ones ("Viaduct", "Spurs", "Lock") count only in a
# full US address line that ends with a town and a state code.
USPS_SUFFIXES = (
    "Alley|Annex|Arcade|Avenue|Bayou|Beach|Bend|Bluff|Bluffs|Bottom|Boulevard|Branch|Bridge|Brook|Brooks|Burg"
    "|Burgs|Bypass|Camp|Canyon|Cape|Causeway|Center|Centers|Circle|Circles|Cliff|Cliffs|Club|Common|Commons"
    "|Corner|Corners|Course|Court|Courts|Cove|Coves|Creek|Crescent|Crest|Crossing|Crossroad|Curve|Dale|Dam"
    "|Divide|Drive|Drives|Estate|Estates|Expressway|Extension|Extensions|Fall|Falls|Ferry|Field|Fields|Flat"
    "|Flats|Ford|Fords|Forest|Forge|Forges|Fork|Forks|Fort|Freeway|Garden|Gardens|Gateway|Glen|Glens|Green"
    "|Greens|Grove|Groves|Harbor|Harbors|Haven|Heights|Highway|Hill|Hills|Hollow|Inlet|Island|Islands|Isle"
    "|Junction|Junctions|Key|Keys|Knoll|Knolls|Lake|Lakes|Land|Landing|Lane|Light|Lights|Loaf|Lock|Locks|Lodge"
    "|Loop|Mall|Manor|Manors|Meadow|Meadows|Mews|Mill|Mills|Mission|Motorway|Mount|Mountain|Mountains|Neck"
    "|Orchard|Oval|Overpass|Park|Parks|Parkway|Parkways|Pass|Passage|Path|Pike|Pine|Pines|Place|Plain|Plains"
    "|Plaza|Point|Points|Port|Ports|Prairie|Radial|Ramp|Ranch|Rapid|Rapids|Rest|Ridge|Ridges|River|Road|Roads"
    "|Route|Row|Rue|Run|Shoal|Shoals|Shore|Shores|Skyway|Spring|Springs|Spur|Spurs|Square|Squares|Station"
    "|Stravenue|Stream|Street|Streets|Summit|Terrace|Throughway|Trace|Track|Trafficway|Trail|Trailer|Tunnel"
    "|Turnpike|Underpass|Union|Unions|Valley|Valleys|Viaduct|View|Views|Village|Villages|Ville|Vista|Walk"
    "|Walks|Wall|Way|Ways|Well|Wells"
)
FRENCH_TYPES = (
    "rue|Rue|avenue|Avenue|av\\.|Av\\.|Ave\\.|boulevard|Boulevard|bd|Bd|boul\\.|Boul\\.|blvd|allée|Allée|chemin|Chemin"
    "|impasse|Impasse|place|Place|quai|Quai|cours|Cours|route|Route"
)
PREFIX_TYPES = (
    FRENCH_TYPES + "|Calle|calle|C/|Avenida|Avda\\.|Paseo|Plaza"
    "|Carrera|Cra\\.|Camino|Ronda|Travesía|Rua|R\\.|Travessa|Praça|Alameda|Estrada|Largo|Rodovia|Via|via|Viale"
    "|viale|Piazza|piazza|Corso|corso|Vicolo|Strada|strada|Str\\.|ul\\.|Ul\\.|ulica|al\\.|Al\\.|aleja|Aleja|pl\\."
    "|os\\.|Am|An der|Auf der|Im|Unter den|Jalan|Jl\\.|Jln\\.|Soi|Thanon"
)
# Endings that make one word a street: "Friedrichstraße", "Keizersgracht", "Drottninggatan".
COMPOUND_ENDINGS = (
    "straße|strasse|str\\.|weg|allee|platz|gasse|ring|damm|ufer|steig|pfad|markt|chaussee|straat|gracht|laan"
    "|plein|kade|singel|dijk|steeg|gatan|vägen|väg|gränd|torget|gade|vej|plads|veien|gate|gata|tie|katu|kuja"
    "|polku|utca|körút|út|tér|ulice|třída|náměstí|cesta|ulica|caddesi|sokak|sokağ[ıi]|bulvar[ıi]|prospekt|ulitsa|pereulok"
)
_COMPOUND = rf"\p{{Lu}}{_L}*(?:{COMPOUND_ENDINGS})"
_SEPARATE_ENDING = r"(?:Straße|Strasse|Str\.|Weg|Allee|Platz|Gasse|gate|gata|út|utca|Caddesi|Sokak|Bulvar[ıi]|Prospekt|Ulitsa)"
# The house number after the street; a postal code followed by a town is not one ("rue de Rivoli, 75004 Paris").
_NUMBER_AFTER = rf"(?:,?[ ](?:No[.:]?[ ]?)?{_HOUSE}(?!\d)(?:[ ][A-Z](?:[ ]\d{{1,4}})?\b)?(?!(?<=\d{{4}})[ ]\p{{Lu}}\p{{Ll}}))"
_POSTAL_TOWN = r"(?=,?[ ]+(?:[A-Z]{1,2}-?)?(?:\d{4,5}|\d{3}[ ]\d{2}|\d{2}-\d{3})[ ]+\p{Lu}|,[ ]+(?:Praha|Phường|Quận|District)\b)"
_UNIT_WORD = r"(?!(?:Unit|Flat|Apt|Suite|Ste|Level|Floor|Fl|Room|Block|Building|Bldg|Lot|Stand|Gate|Door|Box)\b)"
_UNIT = r"(?:,?[ ](?:Apt\.?|Apartment|Suite|Ste\.?|Unit|Floor|Fl\.?|Room|#)[ ]?[A-Za-z0-9\-]+)"
# What may follow a street line and is masked with it: a unit, a town, a state or province code and
# a postal code ("Apt 3R, Chicago, IL 60647", ", Pyrmont NSW 2009").
_TAIL = (
    r"(?:,?[ ](?:Apt\.?|Apartment|Suite|Ste\.?|Unit|Floor|Fl\.?|Room|#)[ ]?[A-Za-z0-9\-]+)?"
    r"(?:,[ ](?:\p{Lu}\p{Ll}+[ ]){0,2}\p{Lu}\p{Ll}+(?:,?[ ][A-Z]{2,3}\b(?:[ ]\d{4,5}(?:-\d{4})?)?)?)?"
)
_TOWN_STATE = r",[ ](?:\p{Lu}\p{Ll}+[ ]){0,2}\p{Lu}\p{Ll}+,[ ][A-Z]{2}\b(?:[ ]\d{5}(?:-\d{4})?)?"
_ADDRESS_LABEL = (
    r"(?<=(?i:address|addr|adres|adresse|adresa|adresi|dirección|direccion|domicilio|endereço|morada|indirizzo"
    r"|osoite|cím|anschrift|line1|line_1|street|billing_addr|shipping_addr)[\"']?\s*[:=]\s*[\"']?)"
)

NUMBER_FIRST = (
    rf"\b(?:(?:No\.?|House|Plot)[ ])?{_HOUSE},?[ ](?:{_DIR}\.?[ ])?(?:{_NAME}|[A-Z])[ ](?:{SUFFIX_TYPES})\b\.?"
    rf"(?:[ ]{_DIR}\b)?(?:(?<=Soi|Highway|Hwy)[ ]\d{{1,3}})?{_TAIL}"
)
NUMBER_FIRST_LOWER = rf"\b{_HOUSE}[ ](?:[nsew][ ])?[a-z]{{3,}}(?:[ ][a-z]{{3,}})?[ ](?:street|st|avenue|ave|road|rd|blvd|lane|ln|drive|dr|court|ct|place|way)\b"
NUMBER_THEN_TYPE = (
    rf"\b{_HOUSE},?[ ](?:bis[ ]|ter[ ])?(?:{FRENCH_TYPES})[ ](?:{_PARTICLE}[ ]?)?{_NAME}(?:[ ]{_DIR}\b)?"
)
USPS_LINE = rf"\b{_HOUSE}[ ](?:{_NAME})[ ](?:{USPS_SUFFIXES})\b{_UNIT}?{_TOWN_STATE}"
TYPE_THEN_NUMBER = rf"(?<![\p{{L}}])(?:{PREFIX_TYPES})[ ](?:{_PARTICLE}[ ])?(?:(?:{PREFIX_TYPES})[ ](?:{_PARTICLE}[ ])?)?{_NAME}{_NUMBER_AFTER}"
COMPOUND_THEN_NUMBER = rf"\b(?:\p{{Lu}}{_L}+[ ]){{0,2}}(?:{_COMPOUND}|\p{{Lu}}{_L}+[ ]{_SEPARATE_ENDING}){_NUMBER_AFTER}"
ENGLISH_TYPE_THEN_NUMBER = rf"\b{_NAME}[ ](?:Blvd|Boulevard|Avenue|Ave|Street|St|Road|Rd)[ ]{_HOUSE}\b(?![.,]\d)"
JAPANESE = rf"\b\d{{1,2}}-\d{{1,2}}-\d{{1,3}}[ ]\p{{Lu}}{_L}+\b|\b\p{{Lu}}{_L}+[ ]\d{{1,2}}-\d{{1,2}}-\d{{1,3}}\b"
SOUTH_ASIAN = (
    r"\b(?:No\.?[ ]?|House[ ]|Plot[ ](?:No\.?[ ]?)?|Flat[ ])\d{1,5}[A-Z]?,[ ](?:Road[ ]\d{1,3}|\d{1,2}(?:st|nd|rd|th)[ ]"
    r"(?:Cross|Main)(?:[ ]Road)?)(?:,[ ]\d{1,2}(?:st|nd|rd|th)[ ](?:Cross|Main)(?:[ ]Road)?)?"
)
US_ROUTE = r"\b\d{1,6}[ ](?:State[ ]Highway|State[ ]Route|County[ ]Road|Highway|Hwy|Route|US|I|SR|CR|FM)[ \-]\d{1,4}(?:[ ][NSEW]\b)?"
UNTYPED = rf"\b{_UNIT_WORD}{_NAME}[ ]{_HOUSE}(?:[ ][A-Z]\b)?{_POSTAL_TOWN}|{_ADDRESS_LABEL}{_NAME},?[ ]{_HOUSE}\b|\b{_HOUSE}[ ]{_NAME}(?=,[ ]+(?:Phường|Quận|Ward|Barangay))"
PO_BOX = r"\b(?:P\.?[ ]?O\.?[ ]?Box|Postfach|Apartado(?:[ ]de[ ]correos)?|Caixa[ ]Postal|Casella[ ]postale)[ ]\d{1,6}\b"


class StreetAddressRecognizer(PatternRecognizer):
    """Street lines of many countries: house number and street, in the order the country writes them."""

    PATTERNS = [
        Pattern("number, name, type", NUMBER_FIRST, 0.7),
        Pattern("number, name, type in lower case", NUMBER_FIRST_LOWER, 0.6),
        Pattern("number, type, name", NUMBER_THEN_TYPE, 0.7),
        Pattern("US address line", USPS_LINE, 0.7),
        Pattern("type, name, number", TYPE_THEN_NUMBER, 0.7),
        Pattern("compound street, number", COMPOUND_THEN_NUMBER, 0.7),
        Pattern("name, English type, number", ENGLISH_TYPE_THEN_NUMBER, 0.6),
        Pattern("Japanese block number", JAPANESE, 0.6),
        Pattern("South Asian house and road", SOUTH_ASIAN, 0.7),
        Pattern("US numbered route", US_ROUTE, 0.6),
        Pattern("street without a type", UNTYPED, 0.6),
        Pattern("post office box", PO_BOX, 0.6),
    ]
    CONTEXT = ["address", "home", "ship", "shipping", "mail", "lives", "located", "deliver", "billing"]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="STREET_ADDRESS",
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            supported_language="en",
            global_regex_flags=0,  # case matters: street names are capitalised
        )
