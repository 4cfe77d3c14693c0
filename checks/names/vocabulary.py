"""The closed word classes that surround names in business text, in several languages.

Each class is a general fact about how people (and companies, places and products) are
written about, not a list of the names themselves: honorifics come before names, street
types after (or before) place names, product tiers after product names. Spans
(`checks.names.spans`) keep these words out of a name; cues (`checks.names.cues`) read
them around one. Entries are lower-case; multi-word entries match any run of spaces.
"""

from __future__ import annotations

import regex


def words(text: str) -> frozenset[str]:
    """A class from a '|'-separated string (entries may hold spaces)."""
    return frozenset(w.strip().casefold() for w in text.split("|") if w.strip())


def alternation(*classes: frozenset[str]) -> str:
    """A regex alternation of the classes' entries, longest first, spaces matching any blank run."""
    entries = sorted(set().union(*classes), key=len, reverse=True)
    return "|".join(regex.escape(e).replace(r"\ ", r"\s+") for e in entries)


def capitalised_alternation(*classes: frozenset[str]) -> str:
    """The entries as they are written inside a proper name: "Pro", "PRO", not "pro"."""
    entries = set().union(*classes)
    forms = {e[:1].upper() + e[1:] for e in entries} | {e.upper() for e in entries if len(e) <= 4}
    return "|".join(regex.escape(f).replace(r"\ ", r"\s+") for f in sorted(forms, key=len, reverse=True))


def place_alternation(*classes: frozenset[str]) -> str:
    """Place words as they head or end a place name: capitalised ("Via Roma", "Martin Place"), or
    lower-case only where the word is not also an English word ("rue de Rivoli", not "via Annelies")."""
    lower = "|".join(regex.escape(e) for e in sorted(set().union(*classes) & PLACE_TYPES_LOWERCASE, key=len, reverse=True))
    return capitalised_alternation(*classes) + (f"|{lower}" if lower else "")


HONORIFICS = words(
    "mr|mrs|ms|miss|mx|dr|dra|prof|professor|sir|dame|lady|lord|herr|frau|hr|fr|mme|mlle|madame|monsieur|m"
    "|sr|sra|srta|señor|señora|senhor|senhora|dona|dom|sig|sig.ra|signor|signora|dott|dott.ssa|ing|ir|drs"
    "|mevrouw|mevr|meneer|dhr|pan|pani|pane|paní|capt|captain|gen|rev|hon|judge|justice|sheikh|shri|smt|sri"
    "|mdm|madam|lic|arq|mag|dipl|dipl.-ing|eng|sayın|bapak|pak|ibu|bu|encik|puan|tuan|cik|san|kyo|hr.|mgr"
)
# Honorifics written after the name: "Mehmet Bey", "Zeynep Hanım", "Sato-san".
HONORIFIC_SUFFIXES = words("bey|hanım|hanim|efendi|san|sama|sensei|kun|chan|ji|sahib|saheb|sahab")
GREETINGS = words(
    "hi|hello|hey|dear|greetings|good morning|good afternoon|good evening|morning|afternoon|bonjour|bonsoir"
    "|salut|hola|buenos días|buenas tardes|estimado|estimada|querido|querida|hallo|liebe|lieber|sehr geehrte"
    "|sehr geehrter|moin|servus|ciao|buongiorno|gentile|caro|cara|olá|oi|prezado|prezada|beste|hoi|hej|hei"
    "|kära|merhaba|namaste|habari|jambo|sawubona|kia ora|talofa|bula|aloha|salaam|shalom|dobrý den|dzień dobry"
)
THANKS = words("thanks|thank you|thx|ta|cheers|many thanks|danke|merci|gracias|obrigado|obrigada|grazie|dank je|tack")
CLOSINGS = words(
    "thanks|thank you|many thanks|thanks again|best|best regards|best wishes|kind regards|warm regards"
    "|warmest regards|regards|cheers|sincerely|yours|yours sincerely|yours truly|yours faithfully|respectfully"
    "|talk soon|speak soon|all the best|with thanks|bien cordialement|cordialement|bien à vous"
    "|mit freundlichen grüßen|mit besten grüßen|viele grüße|beste grüße|liebe grüße|grüße|gruß|danke|saludos"
    "|saludos cordiales|un saludo|atentamente|atenciosamente|abraços|abraço|um abraço|cumprimentos|groeten"
    "|groet|groetjes|met vriendelijke groet|saluti|cordiali saluti|distinti saluti|cordialmente|hälsningar"
    "|med vänliga hälsningar|mvh|hilsen|med venlig hilsen|terveisin|pozdrawiam|s pozdravem|saygılarımla"
    "|ngā mihi|mahalo|terima kasih|salam"
)
# Nouns for people, which stand before a name ("our agent Ifeanyi") but never inside one.
PERSON_NOUNS = words(
    "colleague|colleagues|coworker|co-worker|teammate|agent|cardholder|candidate|applicant|employee|contractor"
    "|freelancer|buddy|mentor|boss|assistant|intern|tenant|patient|driver|courier|caller|beneficiary|payee"
    "|payer|recruiter|interviewer|technician|engineer|friend|wife|husband|son|daughter|mother|father|brother"
    "|sister|uncle|aunt|cousin|manager|supervisor|nurse|doctor|lawyer|attorney|accountant|secretary|approver"
    "|requester|assignee|holder|recipient|sender|guest|attendee|speaker|reviewer|owner|director"
)
# Nouns for people or organisations alike: "customer X" may be a company.
PARTY_NOUNS = words("customer|client|user|member|host|rep|representative|tech|contact|partner|consultant|vendor|supplier")
# Form labels whose value is a person: "Attn:", "Requested by:", "Panel:".
PERSON_LABELS = PERSON_NOUNS | PARTY_NOUNS | words(
    "attn|attention|card holder|account holder|account name|hiring manager|line manager|approved by|requested by"
    "|witnessed by|signed by|signed|signatory|facilitated by|prepared by|reviewed by|submitted by|created by"
    "|assigned to|reported by|reporter|panel|panelists|attendees|participants|present|interviewee|hosted by"
    "|presenter|organizer|organiser|from|to|cc|bcc|sales rep|account manager|dependent|dependant|spouse"
    "|emergency contact|next of kin|lead|champion|sponsor|consignee|ship to|ship-to|bill to|sold to|deliver to"
    "|name|full name|passenger|traveller|traveler|student|author|editor|designer|developer|analyst|nominee"
    "|buyer|seller|witness|referee|reference|signed for|on behalf of|kunde|cliente|destinatario|destinataire"
    "|ansprechpartner|ansprechpartnerin|contacto|contato|responsable|responsável|interviewers|main contact"
    "|billing contact|technical contact|site contact|on-site contact|visitor|host"
)
# Job titles and departments, after a name ("X, Head of IT") or before one ("VP Kenji").
ROLES = words(
    "ceo|cto|cfo|coo|cio|ciso|cmo|cro|cpo|vp|svp|evp|md|gm|president|vice president|director|manager|engineer"
    "|developer|executive|analyst|officer|founder|co-founder|cofounder|partner|consultant|specialist"
    "|coordinator|administrator|admin|architect|designer|recruiter|advisor|adviser|counsel|attorney|lawyer"
    "|solicitor|accountant|controller|agent|representative|rep|head|lead|owner|associate|intern|scientist"
    "|researcher|professor|lecturer|doctor|nurse|buyer|planner|editor|producer|technician|supervisor|secretary"
    "|treasurer|chair|chairman|chairwoman|chairperson|principal|senior|junior|chief|regional|global|deputy"
    "|assistant|staff|account executive|account manager|sales|support|product|project|program|programme"
    "|operations|finance|marketing|legal|procurement|purchasing|engineering|hr|it|ops|customer|tier|team"
)
# Abbreviations that look like capitalised words in signatures and notes.
ABBREVIATIONS = words("eng|ops|mgr|dept|dir|asst|assoc|corp|intl|natl|govt|univ|hq|attn|ref|tel|fax|mob|ph|ext")
DEPARTMENTS = words(
    "legal|finance|sales|marketing|hr|human resources|it|support|engineering|procurement|purchasing|ops"
    "|operations|accounts|accounting|payroll|security|compliance|product|design|research|customer success"
)
# Street and place types: after a place name ("Martin Place"), or before it ("Calle de Serrano").
PLACE_TYPES = words(
    "street|st|avenue|ave|av|road|rd|boulevard|blvd|boul|lane|ln|drive|court|ct|place|pl|square|sq|terrace"
    "|parkway|pkwy|highway|hwy|crescent|close|way|row|mews|gardens|grove|quay|wharf|esplanade|parade|walk"
    "|rue|allée|allee|chemin|impasse|quai|cours|route|calle|avenida|avda|paseo|plaza|carrera|carretera|camino"
    "|ronda|rua|travessa|praça|praca|alameda|estrada|largo|rodovia|via|viale|piazza|corso|vicolo|strada"
    "|ulica|ul|aleja|straße|strasse|weg|platz|gasse|ring|damm|ufer|straat|gracht|laan|plein|kade|singel|dijk"
    "|nagar|puram|pur|abad|ganj|pet|palya|halli|layout|colony|sector|phase|marg|chowk|bagh|soi|thanon|phường"
    "|quận|jalan|jln|lorong|caddesi|cad|sokak|sokağı|mahallesi|mah|bulvarı|col|colonia|barrio|bairro"
)
PLACE_TYPES_LOWERCASE = words(
    "rue|allée|chemin|impasse|quai|calle|avenida|avda|paseo|carrera|rua|travessa|praça|alameda|estrada|rodovia"
    "|viale|piazza|corso|vicolo|strada|ulica|ul|aleja|straße|strasse|gasse|straat|gracht|laan|plein|kade|soi"
    "|thanon|jalan|jln|caddesi|sokak|boul|bd|av|avda|avenue|boulevard|place|allée|cours|route|quai"
)
# Compass words that end place names ("Roma Norte", "Khlong Tan Nuea", "Damen Ave N").
COMPASS = words("north|south|east|west|norte|sur|sul|nord|süd|sud|ost|ouest|oeste|leste|nuea")
# Words that make a capitalised word a product or an edition: "Atlas Pro", "Nova Insights".
PRODUCT_WORDS = words(
    "pro|lite|max|plus|mini|ultra|insights|cloud|suite|studio|hub|one|go|edge|prime|premium|enterprise|basic"
    "|standard|starter|essentials|bundle|analytics|platform|connect|sync|flow|works|desk|pay|ai|assist|pilot"
    "|guard|server|online|mobile|express|core|teams|engine|kit|box|pad|book|watch|phone|sense|vision|link"
    "|beta|alpha|lab|labs|stack|base|point|net|soft|tech|data|forms|mail|chat|docs|sheets|reports|dashboard"
    "|home|store|shop|outlet|market|direct|connect|logistics|systems|digital|group"
)
# Words that make the capitalised words around them an organisation, a building or an event.
ORG_WORDS = words(
    "inc|llc|ltd|limited|llp|lp|plc|gmbh|ag|sa|sas|sarl|bv|nv|pty|pvt|co|corp|corporation|company|group"
    "|holdings|bank|capital|partners|associates|technologies|technology|software|systems|solutions|services"
    "|media|dental|clinic|hospital|university|college|school|foundation|institute|financial|insurance|motors"
    "|airlines|airways|hotel|hotels|inn|resort|foods|pharma|pharmaceuticals|energy|logistics|consulting"
    "|studios|ventures|industries|enterprises|trust|fund|realty|properties|construction|freight|retail|stores"
    "|cafe|café|restaurant|bakery|brewery|club|center|centre|hall|building|tower|mall|market|station|airport"
    "|bridge|stadium|arena|museum|library|church|cathedral|day|week|award|awards|prize|cup|festival"
    "|conference|summit|expo|act|gardens|garden|park|room|controls|brothers|bros|sons|& co|foundation"
    "|national|international|regional|municipal|memorial|county|state|federal|royal|central"
)
# Organisation words that come first in other languages: "Hotel Laguna", "Loja Aurora", "Grupo Ipê".
ORG_PREFIXES = words(
    "hotel|loja|tienda|taller|talleres|tallers|boutique|magasin|laden|winkel|negozio|grupo|groupe|gruppe|grupa"
    "|farmacia|farmácia|pharmacie|apotheke|restaurante|ristorante|panadería|supermercado|galeries|galerías"
    "|almacenes|ferretería|librería|banco|banque|clínica|clinique|klinik|universidad|université|universität"
    "|colegio|escola|école|instituto|institut|fundación|fundação|fondation|stiftung|stichting|museo|musée"
)
# Nouns after a company or product name, not a person's: "the Goldman Sachs account", "Atlas plan".
BUSINESS_NOUNS = words(
    "account|accounts|deal|deals|renewal|contract|tier|plan|plans|connector|connectors|integration|integrations"
    "|api|stores|store|shares|stock|portfolio|franchise|brand|brands|vouchers|voucher|gift cards|outlet|outlets"
    "|products|product|platform|app|software|subscription|subscriptions|license|licence|licenses|instance"
    "|workspace|deployment|migration|rollout|sandbox|cluster|servers|edition|module|modules|add-on|seats|sku"
    "|bundle|release|version|upgrade|merger|acquisition|ipo|logo|website|hq|headquarters|room|endcaps|pizzas"
)
CONTACT_VERBS = words(
    "call|calling|called|email|emailing|emailed|e-mail|ping|pinged|ask|asked|asking|remind|reminded|cc"
    "|loop in|looped in|looping in|met|meet|meeting|thank|thanked|contact|contacted|message|messaged|text"
    "|texted|tell|told|invite|invited|introduce|introduced|reach|reached|phone|phoned|ring|rang|forward to"
    "|hand over to|handed to|escalate to|escalated to|assign to|assigned to|hosted by|facilitated by"
    "|approved by|signed by|led by|owned by|sent by|replaced by|covered by|notify|notified|hire|hired"
    "|interview|interviewed|congratulate|welcome|welcomed|brief|briefed|waiting on|waiting for|wait for"
    "|llamar a|llamar|contactar a|contactar|appeler|contacter|anrufen|kontaktieren|chiamare|contattare"
    "|ligar para|falar com|hablar con|parler à|sprechen mit|reunião com|reunión con"
)
# Verbs and states only people have: "Thabo suggested", "Xiuying on leave".
PERSON_VERBS = words(
    "said|says|asked|asks|thinks|thought|suggested|suggests|told|feels|felt|believes|believed|prefers"
    "|preferred|mentioned|promised|agreed|apologised|apologized|wrote|writes|replied|replies|emailed|phoned"
    "|can't make it|cannot make it|won't make it|is out|was out|is on leave|on leave|is off sick|off sick"
    "|is on holiday|on holiday|on vacation|on pto|is ooo|out of office|is travelling|is traveling|is covering"
    "|covers|is sick|resigned|retired|was born|got married|is pregnant|recommends|recommended|remote-wiped"
)
# Verbs that people and organisations share: weak evidence.
SHARED_VERBS = words(
    "wants|wanted|confirmed|confirms|reported|reports|requested|requests|approved|approves|signed|countersigned"
    "|owns|flagged|flags|joined|joins|called|noted|notes|needs|needed|decided|left|leaves|moved|moves|takes"
    "|took|sent|sends|drafts|drafted|leads|led|handles|handled|coordinates|coordinated|will|would|can|could"
    "|should|is|was|has|had|accepted|declined|started|starts|visited|presented|attended|cancelled|canceled"
    "|booked|paid|ordered|logged|coordina|confirmó|dijo|a dit|hat|sagt|disse"
)
TASK_VERBS = words(
    "review|send|call|check|follow up|draft|prepare|confirm|approve|own|lead|handle|update|share|schedule|book"
    "|sign|email|contact|present|coordinate|investigate|fix|test|write|collect|organise|organize|arrange|join"
)
CALENDAR_WORDS = words(
    "monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|may|june|july"
    "|august|september|october|november|december|today|tomorrow|yesterday|tonight"
)
