"""Deterministic generator of varied text for synthetic training speech (read aloud by espeak-ng).

A sentence is a template of one *kind* (statement, question, exclamation, list, numbers, dialogue) whose slots
are filled at random. Each language is a text block read by `_language`: lines `kind: template | template` and
word lists `slot = word word` (`_` stands for a space: `Cape_Town`). In a template:

- `{slot}` draws one entry of the list `slot` (no entry twice in one sentence); `{verb.past}` picks a verb form
  (`base`, `past`, `ing`, `third`); a slot that is a function makes numbers (prices, dates, clock times,
  phone-like digit groups); a `_series(key)` slot lists 2 to 5 entries of `key` ("a, b, and c");
- `[...]` is optional: kept or dropped at random, which varies the length.

English is the rich set; its words favour bilabials (p, b, m), labiodentals (f, v), rounded and open vowels, as
the text trains lip-sync. The other languages have small grammatical sets whose noun phrases carry their own
article and whose adjectives do not change with gender, so no agreement is needed. Everything draws only from
the `numpy.random.Generator` passed in, so equal generator states give equal text.
"""
from __future__ import annotations

import re

import numpy as np

KINDS = ("statement", "question", "exclamation", "list", "numbers", "dialogue")
LANGUAGES = {"en": "English", "es": "Spanish", "fr": "French", "de": "German", "it": "Italian", "pt": "Portuguese"}
VERB_FORMS = {"base": 0, "past": 1, "ing": 2, "third": 3}


def _w(text: str) -> list[str]:
    return [w.replace("_", " ") for w in text.split()]


def _language(block: str, words: dict) -> tuple[dict[str, list[str]], dict]:
    """(templates by kind, words) from lines `kind: template | template ...` and `slot = word word ...` added to
    `words`; a kind or slot may take several lines, and an indented line continues the one above."""
    templates: dict[str, list[str]] = {}
    words = dict(words)
    for line in re.sub(r"\n[ \t]+", " ", block.strip()).splitlines():
        if m := re.match(r"(\w+) = (.*)", line):
            words[m[1]] = words.get(m[1], []) + _w(m[2])
        else:
            kind, _, rest = line.partition(": ")
            if kind not in KINDS:
                raise ValueError(f"template line of unknown kind: {line!r}")
            templates.setdefault(kind, []).extend(t.strip() for t in rest.split(" | "))
    return templates, words


def _euro_words(unit: str, phone: tuple[int, ...], conj: str, lead: str = "") -> dict:
    """The slots other than word lists for a euro-zone language: prices, phone numbers, lists of foods."""
    return {"price": _price(f"{{}} {unit}|{{}},{{:02d}} {unit}"), "phone": lambda rng: _digits(rng, phone, " ", lead),
            "foods": _series("food"), "and": conj}


def _series(key: str) -> tuple[str, str]:
    return ("series", key)


def _n(rng: np.random.Generator, lo: int, hi: int) -> int:
    """A uniform integer in [lo, hi]."""
    return int(rng.integers(lo, hi + 1))


def _digits(rng: np.random.Generator, sizes: tuple[int, ...], sep: str, lead: str = "") -> str:
    groups = ["".join(str(_n(rng, 0, 9)) for _ in range(size)) for size in sizes]
    return lead + sep.join(groups)


def _price(fmt: str):
    """A price maker: `fmt` is "whole|with cents" (`"${}|${}.{:02d}"`); half of the prices are whole."""
    whole, with_cents = fmt.split("|")

    def price(rng: np.random.Generator) -> str:
        units = _n(rng, 1, 99) if rng.random() < 0.8 else _n(rng, 100, 2500)
        return whole.format(units) if rng.random() < 0.5 else with_cents.format(units, _n(rng, 1, 99))
    return price


_MONTHS = _w("January February March April May June July August September October November December")


def _date_en(rng: np.random.Generator) -> str:
    month, day, year = _MONTHS[_n(rng, 0, 11)], _n(rng, 1, 28), _n(rng, 1950, 2024)
    suffix = "th" if 10 < day < 14 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{month} {day}, {year}" if rng.random() < 0.5 else f"the {day}{suffix} of {month}"


_NUMBER_SLOTS = {
    "clock": lambda rng: f"{_n(rng, 2, 23)}:{5 * _n(rng, 0, 11):02d}",
    "count": lambda rng: str(_n(rng, 2, 12) if rng.random() < 0.8 else _n(rng, 13, 500)),
    "small": lambda rng: str(_n(rng, 1, 12)), "room": lambda rng: str(_n(rng, 100, 999)),
    "year": lambda rng: str(_n(rng, 1950, 2024)), "percent": lambda rng: f"{_n(rng, 2, 99)}%",
    "decimal": lambda rng: f"{_n(rng, 1, 20)}.{_n(rng, 1, 9)}",
}

_EN_WORDS = {
    "verb": [tuple(v.split()) for v in (
        "open opened opening opens, paint painted painting paints, polish polished polishing polishes, "
        "move moved moving moves, borrow borrowed borrowing borrows, bump bumped bumping bumps, "
        "fix fixed fixing fixes, wash washed washing washes, wrap wrapped wrapping wraps, "
        "drop dropped dropping drops, pack packed packing packs, bring brought bringing brings, "
        "buy bought buying buys, find found finding finds, keep kept keeping keeps, lose lost losing loses, "
        "sell sold selling sells, mop mopped mopping mops, pop popped popping pops, grab grabbed grabbing grabs, "
        "hide hid hiding hides, throw threw throwing throws, follow followed following follows, "
        "photograph photographed photographing photographs, measure measured measuring measures, "
        "weigh weighed weighing weighs, carry carried carrying carries, push pushed pushing pushes, "
        "pull pulled pulling pulls, fold folded folding folds, swap swapped swapping swaps, "
        "bury buried burying buries").split(", ")],
    "price": _price("${}|${}.{:02d}"), "date": _date_en,
    "phone": lambda rng: _digits(rng, (3, 3, 4), "-"),
    "plurals": _series("plural"), "foods": _series("food"), "places": _series("place"), "names": _series("name"),
    "and": "and", "oxford": True,
}

_EN = _language("""
statement: {name} {verb.past} the {adj} {noun}[ {past_time}]. | My {relative} {adv} {verb.third} {plural}[ in {place}].
statement: The {noun} on the {spot} is {adj}[ and {adj}]. | We moved to {place}[ {past_time}][, and it was {adj}].
statement: {name} and {name} shared {food}[ at the {venue}]. | I think the {noun} belongs to {name}.
statement: There is a {adj} {noun} behind the {spot}. | The {venue} in {place} opens {future_time}.
statement: {name} {adv} {verb.past} the {noun}, then {verb.past} it[ again].
statement: Every morning, {name} walks to the {venue}[ with a {adj} {noun}].
statement: If the weather is {weather}, we will {verb.base} the {noun}[ {future_time}].
statement: {name} says the {meal} was {tasty}[, but I barely tasted it].
statement: {name} {verb.past} the {adj} {noun} {past_time}[, and then {name} {verb.past} {plural} at the {venue}]
    [ because the weather was so {weather}].
question: Did {name} {verb.base} the {adj} {noun}[ {past_time}]? | Where is the {adj} {noun}?
question: Why would {name} {verb.base} {plural}[ in {place}]? | Have you ever been to {place}?
question: Is the {venue} open {future_time}? | Who {verb.past} my {noun}?
question: Would you like some {food}[ or maybe some {food}]?
question: How many {plural} did {name} bring[ to the {venue}]? | What time does the {venue} close[ on Sundays]?
question: Can we {verb.base} the {noun} before {name} {verb.third} it?
question: Do you remember when {name} {verb.past} the {noun} at the {venue} in {place}[ and we all had to {verb.base}
    {plural}][ before {clock}]?
exclamation: {interj}, what a {adj} {noun}! | {interj}! The {noun} is {deg} {adj}! | Look out for the {noun}!
exclamation: I can't believe {name} {verb.past} the {noun}[ in {place}]! | This {meal} is {deg} {tasty}!
exclamation: Welcome back to {place}, {name}! | {interj}, that is {deg} {adj}! | Happy birthday, {name}!
exclamation: Please stop {verb.ing} the {noun}!
exclamation: {interj}, {name} just {verb.past} {count} {plural} at the {venue}[ in {place}][ before breakfast]!
list: We need {plurals}. | For the picnic, {name} packed {foods}. | My favorite places are {places}.
list: Please bring {plurals}[ to the {venue}]. | The box held {plurals}[, plus a {adj} {noun}].
list: {names} {verb.past} the {noun}. | On the menu today: {foods}. | Next summer we will visit {places}.
numbers: The {noun} costs {price}. | My number is {phone}. | The {venue} opens at {clock}[ on Monday].
numbers: {name} was born on {date}. | We bought {count} {plural} for {price}. | Room {room} is on floor {small}.
numbers: The train to {place} leaves at {clock} from platform {small}. | About {percent} of the {plural} were {adj}.
numbers: Call {name} at {phone}[ before {clock}]. | The score was {small} to {small}[ after {count} minutes].
numbers: {name} ran {decimal} miles[ in {count} minutes]. | The museum opened in {year}.
numbers: Flight {room} to {place} leaves at {clock} on {date}[, and the ticket costs {price}].
dialogue: Wait, you did what? | Hey {name}, got a minute? | {reply}, I {adv} {verb.past} it. | Are you serious, {name}?
dialogue: Oh, {name}! Long time no see. | Um, maybe we should {verb.base} the {noun} first.
dialogue: No way. {name} {verb.past} the {noun}? | Sure, see you {future_time}! | Hold on, {name}, where is my {noun}?
dialogue: Okay, okay, I will {verb.base} it[ {future_time}]. | Really? You moved to {place}?
dialogue: Thanks, {name}, that was {deg} {adj}.
dialogue: Listen, {name}, I {adv} {verb.past} your {noun}[, and I am {deg} sorry about it][, so please do not tell
    {name}].
name = Bob Molly Paul Maria Ben Pablo Fiona Victor Walter Olive Mabel Maya Oliver Bella Phoebe Vera Moses Boris Wanda
    Hope Owen Bruno Monica Felipe Rosa Pam Amber Ivy Omar Mia Bonnie Uma Marco Nora Otto Poppy Tom Sam Bao Margo
place = Boston Paris Rome Oslo Moscow Budapest Vienna Lisbon Bogota Memphis Phoenix Buffalo Manila Mumbai Panama
    Morocco Malibu Brooklyn Cape_Town Melbourne Oklahoma Baltimore Bermuda Mombasa Barcelona Porto Bali Toronto Miami
    Omaha Warsaw
venue = market museum bakery library post_office ballpark boathouse pharmacy farm barber_shop movie_theater playground
    bowling_alley swimming_pool harbor opera_house
spot = table bench porch windowsill bookshelf sofa floor balcony bathtub mailbox piano wardrobe
noun = box boat map bottle pumpkin umbrella mirror window blanket bubble balloon book bowl spoon broom violin fork
    phone wallet hammer lamp pillow backpack bicycle camera envelope trumpet puppet robot suitcase mop kettle pebble
    rope banjo poster mitten feather whistle barrel compass helmet basket paintbrush motorboat trombone shovel paddle
    marble tablecloth
plural = apples boots puppies potatoes marbles cookies mittens bubbles balloons buttons pebbles maps books bowls
    spoons brooms pillows pumpkins envelopes flowers umbrellas ropes stamps photos blankets kites shoes wooden_boxes
    postcards paintbrushes paper_plates magnets
adj = big blue purple warm bumpy bright smooth famous awful brave foolish moody hollow broad bold wobbly fabulous
    massive polished old happy lovely muddy shiny tiny rubbery broken perfect wonderful velvet mossy open round yellow
    brown plump fuzzy vivid clumsy humble
adv = probably maybe slowly boldly happily quietly warmly promptly obviously barely carefully politely proudly bravely
    calmly openly always often never suddenly
deg = so very really absolutely pretty awfully remarkably wonderfully
meal = soup pie bread popcorn broccoli oatmeal pasta porridge lemonade coffee pumpkin_pie apple_crumble tomato_soup
    mango_juice butter jam honey cheese
food = soup pie bread popcorn broccoli oatmeal pasta porridge lemonade coffee pumpkin_pie apple_crumble plums muffins
    pancakes meatballs waffles blueberries bananas mushrooms baked_beans olives walnuts bagels noodles mashed_potatoes
    fish_tacos
tasty = delicious buttery smoky fluffy bland spicy mushy bitter sweet warm crumbly perfect
past_time = yesterday last_week last_Friday this_morning in_May before_lunch two_days_ago on_Monday after_breakfast
    last_November
future_time = tomorrow next_week on_Friday after_lunch this_weekend in_September before_midnight by_Wednesday
    on_my_birthday at_noon
weather = windy foggy warm balmy muggy mild stormy bright breezy
relative = mom dad brother boss grandmother neighbor roommate baby_brother favorite_aunt grandpa best_friend
    band_teacher
interj = Wow Oh_boy Whoa Bravo Oops Phew Oh_my Boom Yippee Oh_wow
reply = Yes Nope Maybe Of_course Obviously Well Umm
""", _EN_WORDS)

# "obj" is a noun phrase with its article; German ones are feminine or neuter (accusative = nominative), Romance
# ones start with a consonant (no elision); "a/de + el" style contractions are avoided by the templates.
_OTHER = {
    "es": _language("""
statement: {name} compró {obj} en {place}. | {name} vive en {place} con su familia. | Vamos a {place} {time}.
statement: {obj} es {adj}.
question: ¿Dónde está {obj}? | ¿Vas a {place} {time}? | ¿Quién tiene {obj}?
exclamation: ¡Qué {wow}, {name}! | ¡Feliz cumpleaños, {name}! | ¡Mira, {obj} es {adj}!
list: Compramos {foods}. | En la mesa hay {foods}.
numbers: {obj} cuesta {price}. | Mi número es el {phone}. | El tren sale a las {clock}. | El museo abrió en {year}.
dialogue: Espera, ¿qué hiciste? | Oye, {name}, ¿tienes un minuto? | Vale, nos vemos {time}. | ¿En serio, {name}?
name = Pablo María Marta Paloma Bruno Beatriz Mónica Felipe Víctor Manuel Lupe Ramón
place = Madrid Bogotá Lima Barcelona Buenos_Aires Montevideo Valparaíso Bilbao Málaga Panamá
obj = el_barco la_mesa el_libro la_bolsa el_paraguas la_ventana el_mapa la_botella el_bolígrafo la_pelota el_espejo
    la_manta
food = pan mermelada pimientos plátanos manzanas uvas pescado arroz queso miel
adj = grande enorme increíble importante elegante fuerte verde alegre impresionante terrible
time = mañana el_lunes esta_noche el_domingo pronto el_miércoles
wow = sorpresa maravilla bien pena bonito frío
""", _euro_words("euros", (3, 3, 3), "y")),
    "fr": _language("""
statement: {name} a acheté {obj} à {place}. | {name} habite à {place} avec sa famille. | {obj} est {adj}.
statement: Nous partons pour {place} {time}.
question: Où est {obj}? | Tu vas à {place} {time}? | Qui a pris {obj}?
exclamation: Quelle {wow}, {name}! | Bon anniversaire, {name}! | Regarde, {obj} est {adj}!
list: Nous avons acheté {foods}. | Sur la table, il y a {foods}.
numbers: {obj} coûte {price}. | Mon numéro est le {phone}. | Le train part à {clock}. | Le musée a ouvert en {year}.
dialogue: Attends, tu as fait quoi? | Salut {name}, tu as une minute? | D'accord, à {time}! | C'est vrai, {name}?
name = Paul Marie Benoît Mathilde Pierre Sophie Bruno Amélie Fabien Margot Victor Béatrice
place = Paris Bordeaux Marseille Lyon Montréal Bruxelles Toulouse Nantes Genève Monaco
obj = le_bateau la_boîte le_livre la_bouteille le_parapluie la_montre le_miroir la_fenêtre le_ballon la_plume
    le_chapeau la_poupée
food = du_pain des_pommes du_beurre des_bananes du_fromage de_la_confiture du_poisson des_prunes du_miel des_brioches
adj = magnifique énorme formidable rapide calme jaune rouge rose superbe drôle bizarre fragile
time = demain lundi ce_soir dimanche bientôt mardi
wow = surprise chance horreur merveille belle_journée
""", _euro_words("euros", (1, 2, 2, 2, 2), "et", "0")),
    "de": _language("""
statement: {name} hat {obj} in {place} gekauft. | {name} wohnt mit der Familie in {place}. | {obj} ist {adj}.
statement: Wir fahren {time} nach {place}.
question: Wo ist {obj}? | Fährst du {time} nach {place}? | Wer hat {obj} genommen?
exclamation: Was für eine Überraschung! | Alles Gute zum Geburtstag, {name}! | Schau mal, {obj} ist {adj}!
exclamation: Wie {adj}, {name}!
list: Wir haben {foods} gekauft. | Im Korb sind {foods}.
numbers: {obj} kostet {price}. | Meine Nummer ist {phone}. | Der Zug fährt um {clock} Uhr.
numbers: Das Museum wurde {year} eröffnet.
dialogue: Moment mal, du hast was gemacht? | Hey {name}, hast du kurz Zeit? | Okay, bis {bye}! | Echt jetzt, {name}?
name = Paul Mia Ben Marie Felix Emma Moritz Sophie Lukas Paula Max Frieda
place = Berlin München Hamburg Bremen Wien Bonn Potsdam Mainz Basel Lübeck
obj = das_Boot die_Lampe das_Buch die_Flasche das_Fenster die_Brille das_Foto die_Blume das_Bild die_Tasche
    das_Fahrrad die_Uhr
food = Brot Butter Äpfel Milch Pflaumen Bananen Käse Honig Birnen Kartoffeln
adj = groß blau schön wunderbar prima warm toll komisch billig bunt modern perfekt
time = morgen am_Montag heute_Abend am_Wochenende bald übermorgen
bye = morgen Montag bald später gleich nachher
""", _euro_words("Euro", (4, 6), "und", "0")),
    "it": _language("""
statement: {name} ha comprato {obj} a {place}. | {name} abita a {place} con la famiglia. | {obj} è {adj}.
statement: Partiamo per {place} {time}.
question: Dov'è {obj}? | Vai a {place} {time}? | Chi ha preso {obj}?
exclamation: Che {wow}, {name}! | Buon compleanno, {name}! | Guarda, {obj} è {adj}!
list: Abbiamo comprato {foods}. | Sul tavolo ci sono {foods}.
numbers: {obj} costa {price}. | Il mio numero è {phone}. | Il treno parte alle {clock}.
numbers: Il museo ha aperto nel {year}.
dialogue: Aspetta, hai fatto cosa? | Ciao {name}, hai un minuto? | Va bene, a {bye}! | Dici davvero, {name}?
name = Paolo Maria Bruno Beatrice Marco Fabio Monica Pietro Vittoria Matteo Bianca Filippo
place = Roma Milano Bologna Palermo Venezia Bari Parma Pisa Verona Mantova
obj = il_libro la_borsa il_piatto la_bottiglia il_cappello la_mappa il_pallone la_penna il_bicchiere la_barca il_vaso
    lo_specchio
food = pane burro mele formaggio pomodori miele pesche biscotti pasta melanzane
adj = grande verde enorme forte elegante importante incredibile fragile speciale semplice blu rosa
time = domani lunedì stasera domenica presto fra_poco
bye = domani lunedì presto dopo stasera
wow = sorpresa bello peccato meraviglia fortuna freddo
""", _euro_words("euro", (3, 3, 4), "e")),
    "pt": _language("""
statement: {name} comprou {obj} em {place}. | {name} mora em {place} com a família. | Vamos para {place} {time}.
statement: {obj} é {adj}.
question: Onde está {obj}? | Você vai para {place} {time}? | Quem levou {obj}?
exclamation: Que {wow}, {name}! | Feliz aniversário, {name}! | Olha, {obj} é {adj}!
list: Compramos {foods}. | Na mesa há {foods}.
numbers: {obj} custa {price}. | O meu número é {phone}. | O voo parte às {clock}. | O museu abriu em {year}.
dialogue: Espera, você fez o quê? | Olá {name}, você tem um minuto? | Está bem, até {bye}! | É sério, {name}?
name = Paulo Maria Bruno Beatriz Mário Fábio Marta Pedro Vitória Miguel Bianca Filipe
place = Lisboa Braga Coimbra Faro Maputo Manaus Belém Brasília Luanda Évora
obj = o_barco a_mesa o_livro a_bolsa o_prato a_garrafa o_chapéu a_mala o_mapa a_caneta o_espelho a_bola
food = pão manteiga maçãs queijo mel peras bananas feijão batatas ameixas
adj = grande verde enorme forte azul elegante importante incrível simples especial alegre
time = amanhã na_segunda hoje_à_noite no_domingo em_breve logo
bye = amanhã logo já segunda breve
wow = surpresa bom pena maravilha sorte frio
""", _euro_words("euros", (3, 3, 3), "e")),
}
_TABLES = {"en": _EN} | _OTHER

_OPTIONAL = re.compile(r"\[([^\[\]]*)\]")
_SLOT = re.compile(r"\{(\w+)(?:\.(\w+))?\}")
_CAPITAL = re.compile(r"(^|[.?!] )([¿¡]?)(\w)")
_A_AN = re.compile(r"\b([Aa]) (?=[AEIOUaeiou])")


def _table(language: str):
    if language not in _TABLES:
        raise ValueError(f"unknown language {language!r}: expected one of {', '.join(LANGUAGES)}")
    return _TABLES[language]


def _pick(rng: np.random.Generator, entries: list, used: list) -> object:
    """One entry not yet used in this sentence (any entry once all are used)."""
    fresh = [e for e in entries if e not in used] or entries
    entry = fresh[int(rng.integers(len(fresh)))]
    used.append(entry)
    return entry


def _fill(rng: np.random.Generator, template: str, words: dict) -> str:
    text = _OPTIONAL.sub(lambda m: m[1] if rng.random() < 0.5 else "", template)
    used: dict[str, list] = {}

    def slot(m: re.Match) -> str:
        name, form = m[1], m[2]
        value = words.get(name, _NUMBER_SLOTS.get(name))
        if value is None:
            raise KeyError(f"template slot {name!r} has no word list")
        if callable(value):
            return value(rng)
        if isinstance(value, tuple):  # _series: 2 to 5 distinct entries
            k = _n(rng, 2, 5)
            items = [str(_pick(rng, words[value[1]], used.setdefault(value[1], []))) for _ in range(k)]
            comma = "," if words.get("oxford") and k > 2 else ""
            return ", ".join(items[:-1]) + f"{comma} {words['and']} " + items[-1]
        entry = _pick(rng, value, used.setdefault(name, []))
        return entry[VERB_FORMS[form or "base"]] if isinstance(entry, tuple) else entry

    text = _SLOT.sub(slot, text)
    text = re.sub(r"\s+([.,?!])", r"\1", re.sub(r"\s+", " ", text)).strip()
    return _CAPITAL.sub(lambda m: m[1] + m[2] + m[3].upper(), text)


def sentence(rng: np.random.Generator, language: str = "en", kind: str | None = None) -> tuple[str, str]:
    """One random sentence and its kind (drawn uniformly from KINDS when `kind` is None).

    Questions end with '?', exclamations with '!'; the other kinds end with '.', '?' or '!'.
    """
    templates, words = _table(language)
    if kind is None:
        kind = KINDS[int(rng.integers(len(KINDS)))]
    elif kind not in KINDS:
        raise ValueError(f"unknown sentence kind {kind!r}: expected one of {', '.join(KINDS)}")
    options = templates[kind]
    text = _fill(rng, options[int(rng.integers(len(options)))], words)
    if language == "en":
        text = _A_AN.sub(lambda m: m[1] + "n ", text)
    return text, kind


def passage(rng: np.random.Generator, language: str = "en", min_words: int = 30, max_words: int = 80) -> str:
    """Sentences of random kinds joined by spaces: at most `max_words` words (whitespace-separated), and at least
    `min_words` unless 200 draws in a row all overshoot `max_words` (only likely when the two are close)."""
    _table(language)
    if not 1 <= min_words <= max_words:
        raise ValueError(f"need 1 <= min_words <= max_words, got min_words={min_words}, max_words={max_words}")
    parts: list[str] = []
    count = misses = 0
    while count < min_words and misses < 200:
        text, _ = sentence(rng, language)
        n = len(text.split())
        if count + n <= max_words:
            parts.append(text)
            count += n
            misses = 0
        else:
            misses += 1
    return " ".join(parts)
